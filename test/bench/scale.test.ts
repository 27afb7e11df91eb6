/**
 * A short `npm run bench -- scale` on each engine: the bulk seeding writes rows the
 * server reads back as it reads its own (history pages hold the seqs the seed promises,
 * searches find the seeded terms, a resume replays the newest hour's events), so a
 * schema change that the seeding misses fails here and not in a long run.
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
const newDir = tempDirs("bench-scale-");

interface SizeRecord {
  messages: number;
  db_bytes: number;
  history: { errors: number; wrong: number; latency_ms: { count: number } };
  resume_after_hour: { events: number };
}

for (const database of ["sqlite", "postgres"] as const) {
  describe(`bench scale on ${database}`, () => {
    it("seeds 10,000 then 20,000 messages that the server reads as its own", async () => {
      const results = newDir();
      const args = ["bench/run.ts", "scale", "--up-to", "20000", "--conversations", "20"];
      await run(
        process.execPath,
        [...SOURCE_NODE_ARGS, ...args, "--duration", "1", "--database", database],
        { env: { ...process.env, ...BENCH_ENV, BENCH_RESULTS_DIR: results }, timeout: 240_000 },
      );
      const record = JSON.parse(readFileSync(join(results, "scale.jsonl"), "utf8").trim());
      assert.deepEqual(record.problems, []);
      const sizes = record.sizes as SizeRecord[];
      assert.deepEqual(
        sizes.map((s) => s.messages),
        [10_000, 20_000],
      );
      for (const size of sizes) {
        assert.ok(size.history.latency_ms.count > 0);
        assert.ok(size.db_bytes > 0);
        // 1,000 messages an hour: the newest hour's events are replayed, and only those.
        assert.ok(
          Math.abs(size.resume_after_hour.events - 1000) <= 1,
          String(size.resume_after_hour.events),
        );
      }
      assert.match(readFileSync(join(results, `scale-${database}.svg`), "utf8"), /^<svg /);
    });
  });
}
