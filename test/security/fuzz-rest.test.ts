/**
 * REST input fuzzing: fast-check builds 10,000 hostile request bodies across the write
 * endpoints (wrong types, objects for strings, arrays, huge strings, prototype keys,
 * unicode edge cases, numbers out of range, deep nesting, broken JSON and bytes, odd
 * content types) and sends them over real HTTP with bounded concurrency.
 *
 * Every body is built to be refused: schema-invalid bodies go to real targets; bodies that
 * pass the schema go to a target that does not exist, or carry a value the service must
 * refuse (blank titles, over-long messages, unknown users). So every answer must be a 4xx
 * with a catalogue error body, never a 2xx or a 5xx, /health must stay 200 between
 * batches, and no table may change. A shorter pass runs the same against PostgreSQL
 * with U+0000 left to a dedicated test. Set FUZZ_SEED
 * to explore other runs.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import type { z } from "zod";
import { adminCreateUserBody } from "../../src/protocol/admin.js";
import {
  addMembersBody,
  createConversationBody,
  editMessageBody,
  reactionBody,
  readBody,
  sendMessageBody,
  updateConversationBody,
  updateMemberBody,
} from "../../src/protocol/chat.js";
import {
  changePasswordBody,
  loginBody,
  PASSWORD_MAX,
  PASSWORD_MIN,
  registerBody,
  USERNAME_PATTERN,
} from "../../src/protocol/rest.js";
import { createUser, type TestUser } from "../helpers/factories.js";
import { client } from "../helpers/http.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import {
  BROKEN_JSON,
  blank,
  codePoints,
  fromJson,
  hasNul,
  hostile,
  type Json,
  mutateTemplate,
  type Node,
  type Op,
  PROTO_KEYS,
  serialize,
  str,
  strangeId,
  tooLongBody,
  weirdString,
} from "./hostile.js";
import {
  contentDigest,
  errorBodyProblem,
  fuzzSeed,
  mapLimit,
  preview,
  rawRequest,
  rowCounts,
} from "./support.js";

const TOTAL_CASES = 10_000;
const POSTGRES_CASES = 1_000;
const BATCH = 500;
const CONCURRENCY = 16;
const BODY_LIMIT = 1024 * 1024; // the default [server] body_limit_bytes

// --- endpoints ------------------------------------------------------------------------

interface Fixture {
  server: TestServer;
  admin: TestUser;
  bob: TestUser;
  pwUser: TestUser;
  group: string;
  direct: string;
  ownMessage: string;
  bobsMessage: string;
}

interface Endpoint {
  name: string;
  method: "POST" | "PATCH";
  auth: "none" | "user" | "admin" | "pw";
  schema: z.ZodType;
  weight: number;
  /** A body the schema accepts. */
  template: (f: Fixture) => Json;
  /** The path with real targets, or, when `missing`, with targets that do not exist. */
  path: (f: Fixture, missing: boolean) => string;
  /** Has an id in the path: schema-valid bodies can go to a target that does not exist. */
  targeted: boolean;
  /** For untargeted endpoints: whether a schema-valid body is certain to be refused. */
  refusesValid?: (f: Fixture, body: Json) => boolean;
  /** Schema-valid bodies the service must refuse on the real path. */
  semantic?: (f: Fixture) => fc.Arbitrary<Json>;
}

const missingId = () => randomUUID();
const passwordOk = (p: unknown) =>
  typeof p === "string" && codePoints(p) >= PASSWORD_MIN && codePoints(p) <= PASSWORD_MAX;
const ENDPOINTS: Endpoint[] = [
  {
    name: "register",
    method: "POST",
    auth: "none",
    schema: registerBody,
    weight: 1000,
    template: () => ({
      username: "fuzz_user",
      password: "long enough password",
      display_name: "F",
    }),
    path: () => "/api/v1/auth/register",
    targeted: false,
    refusesValid: (_f, b) => !USERNAME_PATTERN.test(String(b.username)) || !passwordOk(b.password),
    semantic: () =>
      fc.oneof(
        fc.record({
          username: weirdString.filter((u) => !USERNAME_PATTERN.test(u)),
          password: weirdString,
        }),
        fc.record({
          username: fc.constantFrom("ok_name", "abc", "a".repeat(32)),
          password: weirdString.filter((p) => !passwordOk(p)),
          display_name: weirdString.filter((d) => d.length <= 64),
        }),
      ),
  },
  {
    name: "login",
    method: "POST",
    auth: "none",
    schema: loginBody,
    weight: 900,
    template: (f) => ({ username: f.bob.username, password: "wrong password" }),
    path: () => "/api/v1/auth/login",
    targeted: false,
    // Every schema-valid login costs an argon2 verification: send none of them.
    refusesValid: () => false,
  },
  {
    name: "password change",
    method: "POST",
    auth: "pw",
    schema: changePasswordBody,
    weight: 800,
    template: () => ({ current_password: "wrong password", new_password: "another password" }),
    path: () => "/api/v1/auth/password",
    targeted: false,
    refusesValid: () => false,
  },
  {
    name: "create conversation",
    method: "POST",
    auth: "user",
    schema: createConversationBody,
    weight: 1100,
    template: () => ({ type: "group", title: "fuzz", member_ids: [missingId()] }),
    path: () => "/api/v1/conversations",
    targeted: false,
    refusesValid: (f, b) => {
      const ids = Array.isArray(b.member_ids) ? (b.member_ids as string[]) : [];
      const realIds = [f.admin.id, f.bob.id, f.pwUser.id];
      if (b.type === "direct") return !realIds.includes(ids[0] as string);
      return String(b.title).trim() === "" || ids.some((id) => !realIds.includes(id));
    },
    semantic: (f) =>
      fc.oneof(
        fc.record({
          type: fc.constant("group"),
          title: blank,
          member_ids: fc.constant([f.bob.id]),
        }),
        fc.record({ type: fc.constant("direct"), member_ids: strangeId.map((id) => [id]) }),
        fc.record({
          type: fc.constant("group"),
          title: fc.constant("t"),
          member_ids: fc
            .array(strangeId, { minLength: 1, maxLength: 20 })
            .map((ids) => [f.bob.id, ...ids]),
        }),
      ),
  },
  {
    name: "send message",
    method: "POST",
    auth: "user",
    schema: sendMessageBody,
    weight: 1300,
    template: () => ({ body: "hello", client_id: "c1" }),
    path: (f, missing) => `/api/v1/conversations/${missing ? missingId() : f.group}/messages`,
    targeted: true,
    semantic: () =>
      fc.oneof(
        fc.record({ body: blank }),
        fc.record({ body: tooLongBody }),
        fc.record({ body: fc.constant("hi"), reply_to: strangeId }),
        fc.record({ body: blank, client_id: strangeId, reply_to: strangeId }),
      ),
  },
  {
    name: "edit message",
    method: "PATCH",
    auth: "user",
    schema: editMessageBody,
    weight: 1000,
    template: () => ({ body: "edited" }),
    path: (f, missing) => `/api/v1/messages/${missing ? missingId() : f.ownMessage}`,
    targeted: true,
    semantic: () => fc.oneof(fc.record({ body: blank }), fc.record({ body: tooLongBody })),
  },
  {
    name: "reaction",
    method: "POST",
    auth: "user",
    schema: reactionBody,
    weight: 900,
    template: () => ({ emoji: "👍" }),
    path: (f, missing) => `/api/v1/messages/${missing ? missingId() : f.ownMessage}/reactions`,
    targeted: true,
    semantic: () =>
      fc.oneof(
        fc.record({ emoji: blank.filter((s) => s.length >= 1) }),
        fc.record({
          emoji: fc
            .string({ unit: "binary", minLength: 9, maxLength: 32 })
            .filter((s) => codePoints(s.trim()) > 8 && s.length <= 32),
        }),
      ),
  },
  {
    name: "read",
    method: "POST",
    auth: "user",
    schema: readBody,
    weight: 800,
    template: () => ({ seq: 1 }),
    path: (f, missing) => `/api/v1/conversations/${missing ? missingId() : f.group}/read`,
    targeted: true,
  },
  {
    name: "add members",
    method: "POST",
    auth: "user",
    schema: addMembersBody,
    weight: 700,
    template: () => ({ user_ids: [missingId()] }),
    path: (f, missing) => `/api/v1/conversations/${missing ? missingId() : f.group}/members`,
    targeted: true,
    semantic: () => fc.record({ user_ids: fc.array(strangeId, { minLength: 1, maxLength: 30 }) }),
  },
  {
    name: "member role",
    method: "PATCH",
    auth: "user",
    schema: updateMemberBody,
    weight: 500,
    template: () => ({ role: "admin" }),
    path: (f, missing) =>
      missing
        ? `/api/v1/conversations/${f.group}/members/${missingId()}`
        : `/api/v1/conversations/${f.group}/members/${f.admin.id}`,
    targeted: true,
    // On the real path the target is the caller: the owner may not change their own role.
    semantic: () => fc.record({ role: fc.constantFrom("owner", "admin", "member") }),
  },
  {
    name: "rename conversation",
    method: "PATCH",
    auth: "user",
    schema: updateConversationBody,
    weight: 400,
    template: () => ({ title: "renamed" }),
    path: (f, missing) => `/api/v1/conversations/${missing ? missingId() : f.group}`,
    targeted: true,
    semantic: () => fc.record({ title: blank }),
  },
  {
    name: "admin create user",
    method: "POST",
    auth: "admin",
    schema: adminCreateUserBody,
    weight: 600,
    template: () => ({
      username: "made_by_admin",
      password: "long enough password",
      is_admin: false,
    }),
    path: () => "/api/v1/admin/users",
    targeted: false,
    refusesValid: (_f, b) =>
      !USERNAME_PATTERN.test(String(b.username)) ||
      (b.password !== undefined && !passwordOk(b.password)),
    semantic: () =>
      fc.record(
        {
          username: weirdString.filter((u) => !USERNAME_PATTERN.test(u)),
          password: weirdString,
          is_admin: fc.boolean(),
        },
        { requiredKeys: ["username"] },
      ),
  },
];

// --- whole requests ---------------------------------------------------------------------

interface FuzzCase {
  endpoint: Endpoint;
  body: string | Uint8Array;
  contentType: string | undefined;
  /** Use the real target (schema-invalid bodies and semantic cases) or a missing one. */
  realTarget: boolean;
}

type BodyShape =
  | { kind: "node"; node: Node }
  | { kind: "text"; text: string }
  | { kind: "bytes"; bytes: Uint8Array };

const CONTENT_TYPES = [
  "application/json",
  "application/json; charset=utf-8",
  "application/json; charset=latin1",
  "APPLICATION/JSON",
  "text/plain",
  "application/x-www-form-urlencoded",
  "application/octet-stream",
  "multipart/form-data; boundary=x",
  "application/vnd.api+json",
];

function bodyShape(endpoint: Endpoint, f: Fixture): fc.Arbitrary<BodyShape> {
  const keys = Object.keys(endpoint.template(f));
  const key = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...keys) },
    { weight: 2, arbitrary: fc.constantFrom(...PROTO_KEYS) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        "is_admin",
        "admin",
        "isAdmin",
        "role",
        "user_id",
        "sender_id",
        "id",
        "seq",
        "type",
        "",
      ),
    },
    { weight: 1, arbitrary: weirdString.filter((s) => s.length < 200) },
  );
  const op: fc.Arbitrary<Op> = fc.oneof(
    {
      weight: 5,
      arbitrary: fc.record({
        op: fc.constant("set" as const),
        key: fc.constantFrom(...keys),
        value: hostile,
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({ op: fc.constant("delete" as const), key: fc.constantFrom(...keys) }),
    },
    { weight: 3, arbitrary: fc.record({ op: fc.constant("add" as const), key, value: hostile }) },
  );
  return fc.oneof(
    // A template with one to three fields broken, removed or added.
    {
      weight: 12,
      arbitrary: fc
        .tuple(fc.constant(endpoint), fc.array(op, { minLength: 1, maxLength: 3 }))
        .map(([e, ops]) => ({ kind: "node" as const, node: mutateTemplate(e.template(f), ops) })),
    },
    // Something other than an object, or the template wrapped.
    { weight: 3, arbitrary: hostile.map((node) => ({ kind: "node" as const, node })) },
    {
      weight: 1,
      arbitrary: fc.constantFrom("arr", "nested", "string").map((how) => {
        const t = fromJson(endpoint.template(f));
        if (how === "arr") return { kind: "node" as const, node: { t: "arr", items: [t] } as Node };
        if (how === "nested")
          return { kind: "node" as const, node: { t: "obj", entries: [["body", t]] } as Node };
        return { kind: "node" as const, node: str(serialize(t)) };
      }),
    },
    // Broken JSON text.
    {
      weight: 2,
      arbitrary: fc
        .oneof(
          fc.constantFrom(...BROKEN_JSON),
          fc.nat().map((cut) => {
            const text = JSON.stringify(endpoint.template(f));
            return text.slice(0, cut % text.length);
          }),
          fc.tuple(fc.nat(), weirdString).map(([at, junk]) => {
            const text = JSON.stringify(endpoint.template(f));
            const i = at % text.length;
            return text.slice(0, i) + junk + text.slice(i + 1);
          }),
        )
        .map((text) => ({ kind: "text" as const, text })),
    },
    // Bytes that are not UTF-8, inside otherwise plausible JSON.
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          fc.constantFrom(
            [0xff],
            [0xfe, 0xff],
            [0xc0, 0x80],
            [0xed, 0xa0, 0x80],
            [0xf4, 0x90, 0x80, 0x80],
            [0xe2, 0x82],
            [0x00],
          ),
          fc.nat(),
        )
        .map(([bad, at]) => {
          const text = Buffer.from(JSON.stringify(endpoint.template(f)));
          const i = at % text.length;
          return {
            kind: "bytes" as const,
            bytes: new Uint8Array(
              Buffer.concat([text.subarray(0, i), Buffer.from(bad), text.subarray(i)]),
            ),
          };
        }),
    },
  );
}

/** What the server's body parser makes of a request, as far as the schema check goes. */
function parsedLikeServer(body: string | Uint8Array, contentType: string | undefined): unknown {
  const text =
    typeof body === "string"
      ? Buffer.from(body, "utf8").toString("utf8")
      : new TextDecoder().decode(body);
  if (contentType === undefined) return typeof body === "string" ? text : undefined;
  if (/^text\/plain/i.test(contentType)) return text;
  if (!/^application\/json\s*(;|$)/i.test(contentType)) return undefined;
  const stripped = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return JSON.parse(stripped);
  } catch {
    return undefined;
  }
}

function caseArbitrary(
  f: Fixture,
  endpoint: Endpoint,
  excludeNul: boolean,
): fc.Arbitrary<FuzzCase> {
  const contentType = fc.oneof(
    { weight: 20, arbitrary: fc.constant("application/json") },
    { weight: 2, arbitrary: fc.constantFrom(...CONTENT_TYPES) },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
  const generic = fc
    .tuple(bodyShape(endpoint, f), contentType)
    .map(([shape, ct]): FuzzCase | undefined => {
      const body =
        shape.kind === "node"
          ? serialize(shape.node)
          : shape.kind === "text"
            ? shape.text
            : shape.bytes;
      const value = parsedLikeServer(body, ct);
      const valid = endpoint.schema.safeParse(value).success;
      if (!valid) return { endpoint, body, contentType: ct, realTarget: true };
      if (endpoint.targeted) return { endpoint, body, contentType: ct, realTarget: false };
      if (endpoint.refusesValid?.(f, value as Json))
        return { endpoint, body, contentType: ct, realTarget: true };
      return undefined; // a body that might be accepted, or costs an argon2 hash: not sent
    });
  const arbs: fc.WeightedArbitrary<FuzzCase | undefined>[] = [{ weight: 8, arbitrary: generic }];
  if (endpoint.semantic) {
    arbs.push({
      weight: 2,
      arbitrary: endpoint.semantic(f).map(
        (value): FuzzCase => ({
          endpoint,
          body: JSON.stringify(value),
          contentType: "application/json",
          realTarget: true,
        }),
      ),
    });
  }
  return fc
    .oneof(...arbs)
    .filter((c): c is FuzzCase => c !== undefined)
    .filter((c) => !excludeNul || !hasNul(c.body));
}

function generateCases(f: Fixture, total: number, seed: number, excludeNul = false): FuzzCase[] {
  const weightSum = ENDPOINTS.reduce((sum, e) => sum + e.weight, 0);
  const cases: FuzzCase[] = [];
  ENDPOINTS.forEach((endpoint, i) => {
    const count =
      i === ENDPOINTS.length - 1
        ? total - cases.length
        : Math.round((endpoint.weight / weightSum) * total);
    cases.push(
      ...fc.sample(caseArbitrary(f, endpoint, excludeNul), { numRuns: count, seed: seed + i }),
    );
  });
  // Interleave endpoints so every batch touches all of them.
  return fc.sample(fc.shuffledSubarray(cases, { minLength: cases.length }), {
    numRuns: 1,
    seed,
  })[0] as FuzzCase[];
}

/** A handful of extreme bodies sent once each, on top of the generated ones. */
function extremeCases(): FuzzCase[] {
  const by = (name: string) => ENDPOINTS.find((e) => e.name === name) as Endpoint;
  const json = (endpoint: string, value: unknown): FuzzCase => ({
    endpoint: by(endpoint),
    body: JSON.stringify(value),
    contentType: "application/json",
    realTarget: true,
  });
  const text = (endpoint: string, body: string): FuzzCase => ({
    endpoint: by(endpoint),
    body,
    contentType: "application/json",
    realTarget: true,
  });
  return [
    json("send message", { body: "x".repeat(1_100_000) }),
    text("register", "{".repeat(2_000_000)),
    text("send message", `${"[".repeat(100_000)}${"]".repeat(100_000)}`),
    text("create conversation", `${'{"a":'.repeat(60_000)}1${"}".repeat(60_000)}`),
    text("create conversation", `${'{"__proto__":'.repeat(10_000)}1${"}".repeat(10_000)}`),
    json("read", { seq: Array.from({ length: 150_000 }, (_, i) => i) }),
    json("reaction", Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`k${i}`, i]))),
    json("create conversation", {
      type: "group",
      title: "big",
      member_ids: Array.from({ length: 10_000 }, () => randomUUID()),
    }),
    json("create conversation", {
      type: "group",
      title: "too big",
      member_ids: Array.from({ length: 10_001 }, () => randomUUID()),
    }),
    json("add members", { user_ids: Array.from({ length: 10_000 }, (_, i) => `u${i}`) }),
    json("send message", { body: "😀".repeat(50_000) }),
    json("send message", { body: "x".repeat(100_001) }),
    json("edit message", { body: "\u0000".repeat(99_999) }),
    // Nine code points (a seven-point flag and a toned thumb): one more than a reaction may have.
    json("reaction", { emoji: "🏴󠁧󠁢󠁳󠁣󠁴󠁿👍🏽" }),
    json("register", { username: "a".repeat(500_000), password: "p".repeat(500_000) }),
    json("register", { username: "valid_name", password: "é".repeat(PASSWORD_MAX + 1) }),
    json("admin create user", { username: "x".repeat(33), is_admin: true }),
    json("login", { username: "x".repeat(257), password: "y" }),
    json("password change", {
      current_password: "x".repeat(PASSWORD_MAX * 4 + 1),
      new_password: "n",
    }),
  ];
}

// --- running -----------------------------------------------------------------------------

/** Answers by status and code, for the test's diagnostics. */
const tally = new Map<string, number>();

interface Failure {
  endpoint: string;
  status: number;
  problem: string;
  body: string;
}

async function send(f: Fixture, c: FuzzCase): Promise<Failure | undefined> {
  const token =
    c.endpoint.auth === "none"
      ? undefined
      : c.endpoint.auth === "pw"
        ? f.pwUser.token
        : f.admin.token; // the admin owns the group and wrote ownMessage
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (c.contentType !== undefined) headers["content-type"] = c.contentType;
  const path = c.endpoint.path(f, !c.realTarget);
  let res: Awaited<ReturnType<typeof rawRequest>>;
  try {
    res = await rawRequest(f.server.url, c.endpoint.method, path, { body: c.body, headers });
  } catch (err) {
    // Past the body limit the server may answer 413 and close before the upload ends.
    const code = (err as NodeJS.ErrnoException).code;
    if (c.body.length > BODY_LIMIT && (code === "EPIPE" || code === "ECONNRESET")) return undefined;
    return {
      endpoint: c.endpoint.name,
      status: 0,
      problem: `request failed: ${(err as Error).message}`,
      body: preview(c.body),
    };
  }
  const code = (res.json as { error?: { code?: string } } | undefined)?.error?.code;
  const key = `${c.endpoint.name} ${res.status} ${code ?? "-"}`;
  tally.set(key, (tally.get(key) ?? 0) + 1);
  let problem: string | undefined;
  if (res.status >= 500) problem = `server error ${res.status}: ${res.text.slice(0, 200)}`;
  else if (res.status < 400) problem = `accepted (${res.status}): ${res.text.slice(0, 200)}`;
  else problem = errorBodyProblem(res.status, res.json);
  return problem === undefined
    ? undefined
    : {
        endpoint: `${c.endpoint.name} ${c.endpoint.method} ${path}`,
        status: res.status,
        problem,
        body: preview(c.body),
      };
}

async function runFuzz(f: Fixture, cases: FuzzCase[]): Promise<{ failures: Failure[] }> {
  const failures: Failure[] = [];
  const baseline = await rowCounts(f.server.ctx.store);
  for (let start = 0; start < cases.length; start += BATCH) {
    const batch = cases.slice(start, start + BATCH);
    const results = await mapLimit(batch, CONCURRENCY, (c) => send(f, c));
    for (const r of results) if (r) failures.push(r);
    const health = await rawRequest(f.server.url, "GET", "/health");
    assert.equal(health.status, 200, `/health after batch ${start / BATCH}: ${health.text}`);
    assert.deepEqual(
      await rowCounts(f.server.ctx.store),
      baseline,
      `rows changed in batch ${start / BATCH}`,
    );
  }
  return { failures };
}

function failureReport(failures: Failure[]): string {
  const lines = failures
    .slice(0, 15)
    .map((x) => `- ${x.endpoint} -> ${x.status}: ${x.problem}\n    body: ${x.body}`);
  return `${failures.length} of the fuzz requests misbehaved:\n${lines.join("\n")}`;
}

async function setUp(server: TestServer): Promise<Fixture> {
  const admin = await createUser(server.url); // the first account is an administrator
  const bob = await createUser(server.url);
  const pwUser = await createUser(server.url);
  const api = client(server.url);
  const group = await api.post(
    "/api/v1/conversations",
    { type: "group", title: "fuzz", member_ids: [bob.id] },
    { token: admin.token },
  );
  assert.equal(group.status, 201);
  const direct = await api.post(
    "/api/v1/conversations",
    { type: "direct", member_ids: [bob.id] },
    { token: admin.token },
  );
  assert.equal(direct.status, 201);
  const own = await api.post(
    `/api/v1/conversations/${group.body.id}/messages`,
    { body: "mine" },
    { token: admin.token },
  );
  const bobs = await api.post(
    `/api/v1/conversations/${group.body.id}/messages`,
    { body: "bob's" },
    { token: bob.token },
  );
  assert.equal(own.status, 201);
  assert.equal(bobs.status, 201);
  return {
    server,
    admin,
    bob,
    pwUser,
    group: group.body.id,
    direct: direct.body.id,
    ownMessage: own.body.id,
    bobsMessage: bobs.body.id,
  };
}

describe("security: REST input fuzzing (SQLite)", () => {
  let f: Fixture;

  before(async () => {
    const server = await startTestServer({ rate_limit: { enabled: false } });
    f = await setUp(server);
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

describe("security: REST input fuzzing (PostgreSQL)", () => {
  // The suite's PostgreSQL is always there (the test command starts it): no skipping.
  let f: Fixture;

  before(async () => {
    const server = await startTestServer(
      { rate_limit: { enabled: false } },
      { database: "postgres" },
    );
    f = await setUp(server);
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
