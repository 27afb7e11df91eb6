/**
 * A short `npm run bench -- storm` on each engine: every socket resumes after a clean
 * restart, and the checker finds no acked message lost, doubled or out of order, so a
 * change to the stop, the resume or the SDK's reconnect that breaks either fails here.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { promisify } from "node:util";
import { SOURCE_NODE_ARGS } from "../../scripts/source-node-args.js";
import { BENCH_ENV } from "../helpers/command-entry.js";
import { tempDirs } from "../helpers/temp-dirs.js";

const run = promisify(execFile);
const newDir = tempDirs("bench-storm-");

for (const database of ["sqlite", "postgres"] as const) {
  describe(`bench storm on ${database}`, () => {
    it("resumes every socket after a restart, with nothing lost or doubled", async () => {
      const results = newDir();
      const args = ["bench/run.ts", "storm", "--sockets", "120", "--users", "12"];
      const timing = ["--before", "1", "--down", "1", "--after", "2", "--rate", "10"];
      await run(
        process.execPath,
        [...SOURCE_NODE_ARGS, ...args, ...timing, "--database", database],
        { env: { ...process.env, ...BENCH_ENV, BENCH_RESULTS_DIR: results }, timeout: 240_000 },
      );
      const record = JSON.parse(readFileSync(join(results, "storm.jsonl"), "utf8").trim());
      assert.deepEqual(record.problems, []);
      const ours = record.ours;
      assert.equal(ours.resumed, 120);
      assert.ok(ours.verdict.acked > 0);
      assert.equal(ours.verdict.lost, 0);
      assert.equal(ours.verdict.duplicated, 0);
      assert.equal(ours.verdict.delivered, ours.verdict.expected_deliveries);
    });
  });
}
