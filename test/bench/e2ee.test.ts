/**
 * A short `npm run bench -- e2ee` on each engine: members' devices decrypt every message
 * of the encrypted group, in order (the workload reports any one missing, repeated or
 * that does not open), beside the same group unencrypted, and the commit that adds a
 * member is timed.
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
const newDir = tempDirs("bench-e2ee-");

for (const database of ["sqlite", "postgres"] as const) {
  describe(`bench e2ee on ${database}`, () => {
    it("delivers every message to every member, who opens it", async () => {
      const results = newDir();
      const flags = ["--members", "5", "--senders", "2", "--messages", "4", "--largest", "6"];
      await run(
        process.execPath,
        [...SOURCE_NODE_ARGS, "bench/run.ts", "e2ee", ...flags, "--database", database],
        { env: { ...process.env, ...BENCH_ENV, BENCH_RESULTS_DIR: results }, timeout: 240_000 },
      ).catch((err) => {
        throw new Error(`${err}\n${err.stderr ?? ""}`);
      });
      const record = JSON.parse(readFileSync(join(results, "e2ee.jsonl"), "utf8").trim());
      assert.deepEqual(record.problems, []);
      for (const phase of [record.unencrypted, record.encrypted])
        assert.equal(phase.delivered, 2 * 4 * 4, JSON.stringify(phase));
      assert.deepEqual(Object.keys(record.commits), ["6"]);
      assert.ok(record.commits["6"].welcome_bytes > 0);
    });
  });
}
