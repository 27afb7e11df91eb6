/**
 * Socket frame fuzzing: 10,000 generated frames (broken JSON, non-objects, wrong and
 * unknown types, unknown and prototype fields, huge and overflowing numbers, deep nesting,
 * binary frames) over a few real sockets, with REST rate limits off (the per-socket budget
 * is then 10,000 frames a second).
 *
 * Every frame is built to be refused, so each must be answered by exactly one `error`
 * frame with a catalogue code (never internal_error) carrying the frame's id when it had
 * one; a ping after each batch must get its pong, /health must stay 200, and nothing may
 * be stored. Oversized, flooding and non-UTF-8 frames close the socket (1009, 1008, 1007)
 * and a new socket then works.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import WebSocket from "ws";
import { clientFrame, MAX_FRAME_BYTES } from "../../src/protocol/frames.js";
import { createUser, type TestUser } from "../helpers/factories.js";
import { client } from "../helpers/http.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { connect, type Frame, type TestSocket } from "../helpers/socket.js";
import {
  BROKEN_JSON,
  blank,
  hostile,
  type Json,
  mutateTemplate,
  type Op,
  PROTO_KEYS,
  serialize,
  strangeId,
  tooLongBody,
  weirdString,
} from "./hostile.js";
import { fuzzSeed, isCatalogueCode, preview, rawRequest, rowCounts } from "./support.js";

const TOTAL_FRAMES = 10_000;
const SOCKETS = 4;
// Below the 256 frames a socket may have queued before it is closed for flooding.
const BATCH = 200;
const FRAME_TYPES = ["message.send", "typing", "read", "sync", "ping"] as const;

type Outgoing = { kind: "text"; text: string } | { kind: "binary"; bytes: Uint8Array };

interface Fixture {
  server: TestServer;
  alice: TestUser;
  bob: TestUser;
  group: string;
}

const templates = (): Record<(typeof FRAME_TYPES)[number], Json> => ({
  "message.send": {
    type: "message.send",
    id: "req-1",
    conversation_id: randomUUID(),
    body: "hello",
    client_id: "c-1",
  },
  typing: { type: "typing", conversation_id: randomUUID() },
  read: { type: "read", conversation_id: randomUUID(), seq: 1, id: 7 },
  sync: { type: "sync", since: 0, id: "s" },
  ping: { type: "ping", id: "p" },
});

const UNKNOWN_TYPES = [
  "",
  "PING",
  "Ping",
  "ping ",
  " ping",
  "ping\u0000",
  "message.delete",
  "message.edit",
  "message.new",
  "ready",
  "ack",
  "error",
  "admin",
  "__proto__",
  "constructor",
  "toString",
  "hasOwnProperty",
  "message.send\u200b",
  "ｐｉｎｇ",
];

function frameArbitrary(f: Fixture): fc.Arbitrary<Outgoing> {
  const typeName = fc.constantFrom(...FRAME_TYPES);
  const key = fc.oneof(
    {
      weight: 3,
      arbitrary: fc.constantFrom(
        "type",
        "id",
        "conversation_id",
        "body",
        "client_id",
        "reply_to",
        "seq",
        "since",
      ),
    },
    { weight: 2, arbitrary: fc.constantFrom(...PROTO_KEYS) },
    { weight: 1, arbitrary: fc.constantFrom("user_id", "sender_id", "admin", "session_id", "") },
    { weight: 1, arbitrary: weirdString.filter((s) => s.length < 100) },
  );
  const op = (keys: string[]): fc.Arbitrary<Op> =>
    fc.oneof(
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
  const text = (t: fc.Arbitrary<string>) => t.map((s): Outgoing => ({ kind: "text", text: s }));
  const mutated = typeName.chain((type) => {
    const template = templates()[type];
    return fc
      .array(op(Object.keys(template)), { minLength: 1, maxLength: 3 })
      .map((ops) => serialize(mutateTemplate(template, ops)));
  });
  const unknownType = fc
    .tuple(
      fc.oneof(
        fc.constantFrom(...UNKNOWN_TYPES).map((t) => JSON.stringify(t)),
        hostile.map(serialize),
      ),
      fc.option(
        fc.oneof(
          fc.string({ maxLength: 10 }).map((s) => JSON.stringify(s)),
          fc.integer().map(String),
        ),
      ),
    )
    .map(([type, id]) => `{"type":${type}${id === null ? "" : `,"id":${id}`}}`);
  // Frames the schema accepts but the server must still refuse: blank or over-long
  // bodies, replies to nothing, conversations that do not exist (or are not the caller's).
  const semantic = fc
    .oneof(
      fc.record({ body: blank, id: fc.string({ maxLength: 8 }) }).map((x) => ({
        type: "message.send",
        conversation_id: f.group,
        ...x,
      })),
      fc
        .record({
          body: tooLongBody.filter((b) => Buffer.byteLength(b) < MAX_FRAME_BYTES - 200),
          id: fc.nat(),
        })
        .map((x) => ({
          type: "message.send",
          conversation_id: f.group,
          ...x,
        })),
      fc.record({ reply_to: strangeId, id: fc.nat() }).map((x) => ({
        type: "message.send",
        conversation_id: f.group,
        body: "a reply to nothing",
        ...x,
      })),
      fc
        .record({
          conversation_id: strangeId,
          id: fc.oneof(fc.nat(), fc.string({ maxLength: 64 })),
        })
        .map((x) => ({
          type: "message.send",
          body: "hi",
          ...x,
        })),
      strangeId.map((id) => ({ type: "typing", conversation_id: id })),
      fc.record({ conversation_id: strangeId, seq: fc.nat() }).map((x) => ({ type: "read", ...x })),
    )
    .map((frame) => JSON.stringify(frame));

  return fc.oneof(
    { weight: 10, arbitrary: text(mutated) },
    { weight: 3, arbitrary: text(unknownType) },
    { weight: 2, arbitrary: text(hostile.map(serialize)) },
    {
      weight: 2,
      arbitrary: text(
        fc.oneof(
          fc.constantFrom(...BROKEN_JSON),
          fc.string({ maxLength: 60 }),
          fc.nat().map((cut) => {
            const t = JSON.stringify(templates().ping);
            return t.slice(0, cut % t.length);
          }),
        ),
      ),
    },
    { weight: 3, arbitrary: text(semantic) },
    {
      weight: 1,
      arbitrary: fc
        .uint8Array({ minLength: 0, maxLength: 512 })
        .map((bytes): Outgoing => ({ kind: "binary", bytes })),
    },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom(JSON.stringify(templates().ping), JSON.stringify(templates()["message.send"]))
        .map((t): Outgoing => ({ kind: "binary", bytes: new Uint8Array(Buffer.from(t)) })),
    },
  );
}

/** The id the error frame must carry, JSON round-tripped; null when it must carry none. */
function expectedErrorId(frame: Outgoing): string {
  if (frame.kind === "binary") return "none";
  let parsed: unknown;
  try {
    parsed = JSON.parse(frame.text);
  } catch {
    return "none";
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return "none";
  const id = (parsed as { id?: unknown }).id;
  return typeof id === "string" || typeof id === "number" ? JSON.stringify(id) : "none";
}

/** Frames that would succeed (a valid ping or sync) are left out: each frame must fail. */
function mustFail(frame: Outgoing): boolean {
  if (frame.kind === "binary") return true;
  if (Buffer.byteLength(frame.text) >= MAX_FRAME_BYTES) return false; // sent elsewhere
  let parsed: unknown;
  try {
    parsed = JSON.parse(frame.text);
  } catch {
    return true;
  }
  const result = clientFrame.safeParse(parsed);
  return !(result.success && (result.data.type === "ping" || result.data.type === "sync"));
}

function sendFrame(socket: TestSocket, frame: Outgoing): void {
  if (frame.kind === "binary") socket.ws.send(frame.bytes, { binary: true });
  else socket.ws.send(frame.text);
}

async function waitFor(condition: () => boolean, timeoutMs: number, what: () => string) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

interface BatchProblem {
  batch: string;
  problem: string;
}

/** Sends one batch on `socket`, then a ping; checks the answers. */
async function runBatch(
  socket: TestSocket,
  frames: Outgoing[],
  label: string,
): Promise<BatchProblem[]> {
  const start = socket.frames.length;
  const pingId = `pong-for-${label}`;
  for (const frame of frames) sendFrame(socket, frame);
  socket.send({ type: "ping", id: pingId });
  const answers = () => socket.frames.slice(start);
  const errors = () => answers().filter((x) => x.type === "error");
  await waitFor(
    () =>
      answers().some((x) => x.type === "pong" && x.id === pingId) &&
      errors().length >= frames.length,
    15_000,
    () =>
      `${label}: ${errors().length}/${frames.length} errors, pong ${answers().some((x) => x.type === "pong")}; socket state ${socket.ws.readyState}`,
  );
  // Late answers (a send's error after its commit) have had their chance by now.
  const problems: BatchProblem[] = [];
  const got = errors();
  if (got.length !== frames.length)
    problems.push({
      batch: label,
      problem: `${got.length} error frames for ${frames.length} frames`,
    });
  for (const e of got) {
    if (!isCatalogueCode(e.code) || e.code === "internal_error" || e.code === "rate_limited")
      problems.push({ batch: label, problem: `error code ${e.code}: ${e.message}` });
    if (typeof e.message !== "string" || e.message === "")
      problems.push({ batch: label, problem: `error frame without a message: ${preview(e)}` });
  }
  const expectedIds = frames.map(expectedErrorId).sort();
  const gotIds = got.map((e) => ("id" in e ? JSON.stringify(e.id) : "none")).sort();
  if (JSON.stringify(expectedIds) !== JSON.stringify(gotIds)) {
    const missing = expectedIds.filter((id) => !gotIds.includes(id)).slice(0, 5);
    const extra = gotIds.filter((id) => !expectedIds.includes(id)).slice(0, 5);
    problems.push({
      batch: label,
      problem: `error ids differ; missing ${missing.join(" ")}; extra ${extra.join(" ")}`,
    });
  }
  const odd = answers().filter(
    (x: Frame) => x.type !== "error" && !(x.type === "pong" && x.id === pingId),
  );
  for (const x of odd.slice(0, 5))
    problems.push({ batch: label, problem: `unexpected frame ${preview(x)}` });
  return problems;
}

async function expectClose(socket: TestSocket, code: number, timeoutMs = 5000) {
  const closed = await Promise.race([
    socket.closed,
    new Promise<undefined>((r) => setTimeout(() => r(undefined), timeoutMs)),
  ]);
  assert.ok(closed, `the socket was not closed within ${timeoutMs} ms`);
  assert.equal(closed.code, code, `closed with ${closed.code} ${closed.reason}`);
}

async function stillServing(f: Fixture) {
  const health = await rawRequest(f.server.url, "GET", "/health");
  assert.equal(health.status, 200);
  const socket = await connect(f.server.url, f.alice.token);
  socket.send({ type: "ping", id: "alive" });
  assert.equal((await socket.next((x) => x.type === "pong")).id, "alive");
  await socket.close();
}

async function setUp(server: TestServer): Promise<Fixture> {
  const alice = await createUser(server.url);
  const bob = await createUser(server.url);
  const group = await client(server.url).post(
    "/api/v1/conversations",
    { type: "group", title: "socket fuzz", member_ids: [bob.id] },
    { token: alice.token },
  );
  assert.equal(group.status, 201);
  return { server, alice, bob, group: group.body.id };
}

describe("security: socket frame fuzzing", () => {
  let f: Fixture;

  before(async () => {
    const server = await startTestServer({ rate_limit: { enabled: false } });
    f = await setUp(server);
  });

  after(async () => {
    await f?.server.stop();
  });

  it(`${TOTAL_FRAMES} generated frames: one catalogue error each, pongs, nothing stored`, async (t) => {
    const frames = fc.sample(frameArbitrary(f).filter(mustFail), {
      numRuns: TOTAL_FRAMES,
      seed: fuzzSeed(30),
    });
    assert.equal(frames.length, TOTAL_FRAMES);
    t.diagnostic(`binary frames: ${frames.filter((x) => x.kind === "binary").length}`);
    const baseline = await rowCounts(f.server.ctx.store);
    const problems: BatchProblem[] = [];
    const lanes = Array.from({ length: SOCKETS }, (_, lane) =>
      frames.filter((_, i) => i % SOCKETS === lane),
    );
    await Promise.all(
      lanes.map(async (laneFrames, lane) => {
        let socket = await connect(f.server.url, f.alice.token);
        let failedBatches = 0;
        for (let start = 0; start < laneFrames.length && failedBatches < 3; start += BATCH) {
          const label = `lane ${lane} frames ${start}-${start + BATCH - 1}`;
          const batch = laneFrames.slice(start, start + BATCH);
          try {
            const found = await runBatch(socket, batch, label);
            if (found.length > 0) failedBatches += 1;
            problems.push(...found);
          } catch (err) {
            failedBatches += 1;
            const closed = socket.ws.readyState !== WebSocket.OPEN;
            problems.push({
              batch: label,
              problem: `${(err as Error).message}${closed ? " (socket closed)" : ""}`,
            });
            await socket.close();
            socket = await connect(f.server.url, f.alice.token);
          }
          const health = await rawRequest(f.server.url, "GET", "/health");
          if (health.status !== 200)
            problems.push({ batch: label, problem: `/health answered ${health.status}` });
        }
        await socket.close();
      }),
    );
    const report = problems
      .slice(0, 20)
      .map((p) => `- ${p.batch}: ${p.problem}`)
      .join("\n");
    assert.equal(problems.length, 0, `${problems.length} problems:\n${report}`);
    assert.deepEqual(
      await rowCounts(f.server.ctx.store),
      baseline,
      "a refused frame stored something",
    );
    await stillServing(f);
  });

  it("an oversized frame closes the socket with 1009; a new socket works", async () => {
    for (const bytes of [MAX_FRAME_BYTES + 1, 4 * MAX_FRAME_BYTES]) {
      const socket = await connect(f.server.url, f.alice.token);
      socket.send(JSON.stringify({ type: "ping", id: "x".repeat(bytes) }));
      await expectClose(socket, 1009);
      const binary = await connect(f.server.url, f.alice.token);
      binary.ws.send(new Uint8Array(bytes), { binary: true });
      await expectClose(binary, 1009);
    }
    await stillServing(f);
  });

  it("a flood past 256 queued frames closes the socket with 1008; a new socket works", async () => {
    const socket = await connect(f.server.url, f.alice.token);
    const raw = socket.ws as WebSocket & { _socket: { cork(): void; uncork(): void } };
    raw._socket.cork();
    for (let i = 0; i < 400; i++) socket.send({ type: "typing", conversation_id: randomUUID() });
    raw._socket.uncork();
    await expectClose(socket, 1008);
    await stillServing(f);
  });

  it("a text frame that is not UTF-8 closes the socket with 1007; a new socket works", async () => {
    for (const bad of [
      [0xff],
      [0xc0, 0x80],
      [0xed, 0xa0, 0x80],
      [0x7b, 0xf4, 0x90, 0x80, 0x80, 0x7d],
    ]) {
      const socket = await connect(f.server.url, f.alice.token);
      socket.ws.send(Buffer.from(bad), { binary: false });
      await expectClose(socket, 1007);
    }
    await stillServing(f);
  });

  it("error frames echo hostile ids verbatim and stay JSON", async () => {
    const socket = await connect(f.server.url, f.alice.token);
    const ids: unknown[] = [
      "\u0000",
      "\ud800",
      "\u202e",
      "</script>",
      "x".repeat(60_000),
      -0,
      1e308,
      2 ** 53 + 2,
    ];
    for (const id of ids) {
      socket.send({ type: "nope", id });
      const error = await socket.next((x) => x.type === "error");
      assert.ok(isCatalogueCode(error.code) && error.code !== "internal_error", error.code);
      assert.deepEqual(error.id, JSON.parse(JSON.stringify(id)));
    }
    await socket.close();
  });
});

describe("security: socket frames with U+0000 (PostgreSQL)", () => {
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

  it("answers a frame carrying U+0000 with a 4xx-class error frame, not internal_error (PostgreSQL)", async () => {
    const socket = await connect(f.server.url, f.alice.token);
    const probes: [string, Json][] = [
      ["read, conversation_id", { type: "read", id: 1, conversation_id: "\u0000", seq: 1 }],
      [
        "message.send, conversation_id",
        { type: "message.send", id: 2, conversation_id: "a\u0000", body: "x" },
      ],
      [
        "message.send, body",
        { type: "message.send", id: 3, conversation_id: f.group, body: "x\u0000" },
      ],
      [
        "message.send, client_id",
        { type: "message.send", id: 4, conversation_id: f.group, body: "x", client_id: "\u0000" },
      ],
      [
        "message.send, reply_to",
        { type: "message.send", id: 5, conversation_id: f.group, body: "x", reply_to: "\u0000" },
      ],
    ];
    const internal: string[] = [];
    for (const [name, frame] of probes) {
      socket.send(frame);
      const answer = await socket.next(
        (x) => x.id === frame.id && (x.type === "error" || x.type === "ack"),
      );
      if (answer.type === "error" && answer.code === "internal_error") internal.push(name);
    }
    await socket.close();
    assert.deepEqual(
      internal,
      [],
      `NUL reached PostgreSQL from a socket frame:\n${internal.join("\n")}`,
    );
  });
});
