/**
 * The OpenAPI property fuzz (see fuzz-openapi-runner.ts) on SQLite: every operation of
 * the document, the multipart upload included, with generated and mutated input.
 */
import { describeOpenApiFuzz } from "./fuzz-openapi-runner.js";

describeOpenApiFuzz("sqlite", { perOperation: 30, uploads: 200 });
