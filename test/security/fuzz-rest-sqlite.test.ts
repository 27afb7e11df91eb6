/**
 * REST input fuzzing on SQLite: fast-check builds 10,000 hostile request bodies across the
 * write endpoints (wrong types, objects for strings, arrays, huge strings, prototype keys,
 * unicode edge cases, numbers out of range, deep nesting, broken JSON and bytes, odd
 * content types) and sends them over real HTTP with bounded concurrency, then a handful of
 * extreme bodies.
 *
 * Every body is built to be refused: schema-invalid bodies go to real targets; bodies that
 * pass the schema go to a target that does not exist, or carry a value the service must
 * refuse (blank titles, over-long messages, unknown users). So every answer must be a 4xx
 * with a catalogue error body, never a 2xx or a 5xx, /health must stay 200 between
 * batches, and no table may change. Set FUZZ_SEED to explore other runs.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { client } from "../helpers/http.js";
import { startTestServer } from "../helpers/server.js";
import { extremeCases, generateCases } from "./fuzz-rest-cases.js";
import { type Fixture, setUpFixture } from "./fuzz-rest-endpoints.js";
import { failureReport, runFuzz, tally } from "./fuzz-rest-runner.js";
import { contentDigest, fuzzSeed } from "./support.js";

const TOTAL_CASES = 10_000;

describe("security: REST input fuzzing (SQLite)", () => {
  let f: Fixture;

  before(async () => {
    const server = await startTestServer({ rate_limit: { enabled: false } });
    f = await setUpFixture(server);
  });

  after(async () => {
    await f?.server.stop();
  });

  it(`${TOTAL_CASES} generated bodies: only 4xx with catalogue errors, data unchanged`, async (t) => {
    const started = Date.now();
    const cases = generateCases(f, TOTAL_CASES, fuzzSeed(10));
    assert.equal(cases.length, TOTAL_CASES);
    t.diagnostic(`generated ${cases.length} cases in ${Date.now() - started} ms`);
    tally.clear();
    const digest = await contentDigest(f.server.ctx.store);
    const { failures } = await runFuzz(f, cases);
    t.diagnostic(`sent in ${Date.now() - started} ms in all`);
    for (const [key, n] of [...tally].sort()) t.diagnostic(`${key}: ${n}`);
    assert.equal(failures.length, 0, failureReport(failures));
    assert.equal(await contentDigest(f.server.ctx.store), digest, "stored data changed");
  });

  it("extreme bodies (1 MB+, 100,000-deep nesting, 10,000-element arrays) are refused cleanly", async (t) => {
    const digest = await contentDigest(f.server.ctx.store);
    tally.clear();
    const { failures } = await runFuzz(f, extremeCases());
    for (const [key, n] of [...tally].sort()) t.diagnostic(`${key}: ${n}`);
    assert.equal(failures.length, 0, failureReport(failures));
    assert.equal(await contentDigest(f.server.ctx.store), digest, "stored data changed");
  });

  it("the fixture still works: the refusals were about the input", async () => {
    const api = client(f.server.url);
    const sent = await api.post(
      `/api/v1/conversations/${f.group}/messages`,
      { body: "after the fuzz" },
      { token: f.admin.token },
    );
    assert.equal(sent.status, 201);
    assert.equal((await api.get("/api/v1/me", { token: f.pwUser.token })).status, 200);
  });
});
