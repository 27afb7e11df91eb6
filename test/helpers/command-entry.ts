/**
 * How the tests start chat-server and chat-client as child processes. `npm test` builds
 * first and sets CHAT_TEST_BUILT=1: the commands then run from the build, as an operator
 * runs them, and start in a third of the time (no TypeScript loader). A targeted run of
 * one test file leaves it unset and runs them from source, so it tests what was edited
 * even when the build is stale.
 */
import { fileURLToPath } from "node:url";
import { SOURCE_NODE_ARGS } from "../../scripts/source-node-args.js";

const root = new URL("../../", import.meta.url);
const built = process.env.CHAT_TEST_BUILT === "1";

// tsx named by its path, so that the child finds it from any working directory.
const SOURCE_ARGS = SOURCE_NODE_ARGS.map((arg) =>
  arg === "tsx" ? import.meta.resolve("tsx") : arg,
);

/** Node's arguments that start a command: its source file's, or its build's, path. */
export function commandArgs(source: string, build: string): string[] {
  if (built) return [fileURLToPath(new URL(build, root))];
  return [...SOURCE_ARGS, fileURLToPath(new URL(source, root))];
}

export const CHAT_SERVER_ARGS = commandArgs("src/cli/chat-server.ts", "dist/cli/chat-server.js");
export const CHAT_CLIENT_ARGS = commandArgs(
  "packages/client/src/chat-client.ts",
  "packages/client/bundle/chat-client.js",
);

/** The environment under which the bench harness starts chat-server as these tests do. */
export const BENCH_ENV: NodeJS.ProcessEnv = built ? { BENCH_BUILT: "1" } : {};
