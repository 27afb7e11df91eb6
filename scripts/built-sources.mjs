// Loaded into every test file's process when CHAT_TEST_BUILT=1 (npm test builds first):
// a module the tests import from src/ or from a workspace package's src/ loads from its
// build instead. Compiled JavaScript skips the TypeScript loader's work on every file, and
// the server's worker threads (the SQLite writer, the checkpointer, push senders) start
// from their built files instead of loading the TypeScript loader in each thread. The test
// files and their helpers still run from source. JavaScript, not TypeScript: it is loaded
// before anything can be transformed.
import { register } from "node:module";

if (process.env.CHAT_TEST_BUILT === "1") register("./built-sources-hooks.mjs", import.meta.url);
