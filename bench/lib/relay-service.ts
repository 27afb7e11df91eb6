/**
 * Starts the raw relay (bench/relay.ts) as a child process, measured like the server.
 */
import { fileURLToPath } from "node:url";
import { type ChildService, startService } from "./children.js";
import { fromSource } from "./server-entry.js";

const ENTRY = fileURLToPath(new URL("../relay.ts", import.meta.url));

export function startRelay(): Promise<ChildService> {
  return startService("relay", fromSource(ENTRY), []);
}
