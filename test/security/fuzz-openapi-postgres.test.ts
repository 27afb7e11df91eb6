/**
 * The OpenAPI property fuzz (see fuzz-openapi-runner.ts) on PostgreSQL: every operation
 * of the document, the multipart upload included, with generated and mutated input.
 */
import { describeOpenApiFuzz } from "./fuzz-openapi-runner.js";

describeOpenApiFuzz("postgres", { perOperation: 25, uploads: 150 });
