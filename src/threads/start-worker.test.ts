import assert from "node:assert/strict";
import { it } from "node:test";
import { workerExecArgv } from "./start-worker.js";

it("leaves the preloads and conditions out of a built worker's flags, and keeps the rest", () => {
  assert.deepEqual(
    workerExecArgv([
      "--conditions=@private-chat/source",
      "--import",
      "tsx",
      "--max-old-space-size=512",
      "--import=./hooks.mjs",
      "-r",
      "./setup.cjs",
      "--no-warnings",
      "-C",
      "development",
      "--experimental-loader",
      "./loader.mjs",
    ]),
    ["--max-old-space-size=512", "--no-warnings"],
  );
  assert.deepEqual(workerExecArgv([]), []);
});
