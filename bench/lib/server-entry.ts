/**
 * How the harness starts chat-server: from source by default, so a run measures what was
 * just edited without a build; from the build with `BENCH_BUILT=1` (after `npm run
 * build`), as an operator runs it. The test suite builds first and asks for the build:
 * from source, each server process and each of its worker threads would load the
 * TypeScript loader and compile the server again, seconds of processor time per start.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { SOURCE_NODE_ARGS } from "../../scripts/source-node-args.js";

const SOURCE = fileURLToPath(new URL("../../src/cli/chat-server.ts", import.meta.url));
const BUILT = fileURLToPath(new URL("../../dist/cli/chat-server.js", import.meta.url));

/** Node's arguments that start a TypeScript file of this repository from source. */
export function fromSource(entry: string): string[] {
  return [...SOURCE_NODE_ARGS, entry];
}

/** Node's arguments that start chat-server (its own arguments follow). */
export function chatServerNodeArgs(): string[] {
  if (process.env.BENCH_BUILT !== "1") return fromSource(SOURCE);
  if (!existsSync(BUILT)) throw new Error("BENCH_BUILT=1: run `npm run build` first");
  return [BUILT];
}
