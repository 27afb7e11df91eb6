/**
 * A short `npm run bench -- replay` on each engine: the seeded log is one the server reads
 * as its own, and every sync page the workload times holds exactly the reader's next
 * events (the workload checks each page against the log and reports any other answer).
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
const newDir = tempDirs("bench-replay-");

for (const database of ["sqlite", "postgres"] as const) {
  describe(`bench replay on ${database}`, () => {
    it("times pages after gaps of 1,000 and 10,000 events that hold the reader's events only", async () => {
      const results = newDir();
      const args = ["bench/run.ts", "replay", "--events", "10000", "--conversations", "40"];
      await run(
        process.execPath,
        [
          ...SOURCE_NODE_ARGS,
          ...args,
          "--memberships",
          "4",
          "--requests",
          "2",
          "--database",
          database,
        ],
        {
          env: { ...process.env, ...BENCH_ENV, BENCH_RESULTS_DIR: results },
          timeout: 240_000,
        },
      ).catch((err) => {
        throw new Error(`${err}\n${err.stderr ?? ""}`);
      });
      const record = JSON.parse(readFileSync(join(results, "replay.jsonl"), "utf8").trim());
      assert.deepEqual(record.problems, []);
      const gaps = record.by_gap as Record<string, { count: number; events: number }>;
      assert.deepEqual(Object.keys(gaps), ["1000", "10000"]);
      // About a tenth of each gap is the reader's: 4 of 40 conversations.
      assert.ok((gaps["1000"]?.events ?? 0) > 30, JSON.stringify(gaps));
      assert.equal(gaps["10000"]?.events, 500);
    });
  });
}
