/**
 * REST input fuzzing on PostgreSQL: a shorter pass of the generated hostile bodies (see
 * fuzz-rest-sqlite.test.ts), with U+0000 left out because PostgreSQL text cannot hold it,
 * so every answer must still be a 4xx with a catalogue error body and no table may change.
 * A dedicated test then sends U+0000 in body fields, path ids and queries: each must get a
 * 4xx, never the 500 a NUL reaching PostgreSQL would cause. Set FUZZ_SEED to explore other
 * runs.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startTestServer } from "../helpers/server.js";
import { generateCases } from "./fuzz-rest-cases.js";
import { type Fixture, setUpFixture } from "./fuzz-rest-endpoints.js";
import { failureReport, runFuzz } from "./fuzz-rest-runner.js";
import { contentDigest, fuzzSeed, rawRequest } from "./support.js";

const POSTGRES_CASES = 1_000;

describe("security: REST input fuzzing (PostgreSQL)", () => {
  // The suite's PostgreSQL is always there (the test command starts it): no skipping.
  let f: Fixture;

  before(async () => {
    const server = await startTestServer(
      { rate_limit: { enabled: false } },
      { database: "postgres" },
    );
    f = await setUpFixture(server);
  });

  after(async () => {
    await f?.server.stop();
  });

  it(`${POSTGRES_CASES} generated bodies without U+0000: only 4xx, data unchanged`, async () => {
    const cases = generateCases(f, POSTGRES_CASES, fuzzSeed(20), true);
    const digest = await contentDigest(f.server.ctx.store);
    const { failures } = await runFuzz(f, cases);
    assert.equal(failures.length, 0, failureReport(failures));
    assert.equal(await contentDigest(f.server.ctx.store), digest, "stored data changed");
  });

  it("refuses U+0000 in a body field, path id or query with a 4xx, never a 500 (PostgreSQL)", async () => {
    // PostgreSQL text cannot hold NUL: the driver's query fails with 22021 ("invalid byte
    // sequence for encoding UTF8: 0x00") and the error handler turns that into a 500.
    const fx = f;
    const probes: [string, "GET" | "POST" | "PATCH", string, unknown, string | undefined][] = [
      [
        "login username (no token needed)",
        "POST",
        "/api/v1/auth/login",
        { username: "a\u0000b", password: "x" },
        undefined,
      ],
      [
        "direct member id",
        "POST",
        "/api/v1/conversations",
        { type: "direct", member_ids: ["a\u0000b"] },
        fx.admin.token,
      ],
      [
        "group member id",
        "POST",
        "/api/v1/conversations",
        { type: "group", title: "t", member_ids: ["\u0000"] },
        fx.admin.token,
      ],
      [
        "message body",
        "POST",
        `/api/v1/conversations/${fx.group}/messages`,
        { body: "x\u0000" },
        fx.admin.token,
      ],
      [
        "client_id",
        "POST",
        `/api/v1/conversations/${fx.group}/messages`,
        { body: "x", client_id: "\u0000" },
        fx.admin.token,
      ],
      [
        "reply_to",
        "POST",
        `/api/v1/conversations/${fx.group}/messages`,
        { body: "x", reply_to: "\u0000" },
        fx.admin.token,
      ],
      [
        "edited body",
        "PATCH",
        `/api/v1/messages/${fx.ownMessage}`,
        { body: "x\u0000" },
        fx.admin.token,
      ],
      [
        "reaction emoji",
        "POST",
        `/api/v1/messages/${fx.ownMessage}/reactions`,
        { emoji: "\u0000" },
        fx.admin.token,
      ],
      [
        "added member id",
        "POST",
        `/api/v1/conversations/${fx.group}/members`,
        { user_ids: ["\u0000"] },
        fx.admin.token,
      ],
      [
        "group title",
        "PATCH",
        `/api/v1/conversations/${fx.group}`,
        { title: "t\u0000" },
        fx.admin.token,
      ],
      [
        "conversation id in the path",
        "POST",
        "/api/v1/conversations/%00/messages",
        { body: "x" },
        fx.admin.token,
      ],
      ["message id in the path", "PATCH", "/api/v1/messages/%00", { body: "x" }, fx.admin.token],
      ["user search query", "GET", "/api/v1/users?q=%00", undefined, fx.admin.token],
      ["admin user search query", "GET", "/api/v1/admin/users?q=a%00", undefined, fx.admin.token],
    ];
    const fiveHundreds: string[] = [];
    for (const [name, method, path, body, token] of probes) {
      const res = await rawRequest(fx.server.url, method, path, {
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        headers: {
          ...(body === undefined ? {} : { "content-type": "application/json" }),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
      });
      if (res.status >= 500) fiveHundreds.push(`${name}: ${method} ${path} -> ${res.status}`);
    }
    assert.deepEqual(fiveHundreds, [], `NUL reached PostgreSQL:\n${fiveHundreds.join("\n")}`);
  });
});
