/**
 * The package version, read once from package.json (one level above both src/ and dist/).
 */
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
export const VERSION: string = (require("../package.json") as { version: string }).version;

/** The name the server goes by: in GET /api/v1/server, authenticator apps and passkeys. */
export const PRODUCT_NAME = "Private Chat";
