/**
 * Generated socket frames that must each be refused: templates of the client frames with
 * one to three fields broken, removed or added; unknown and look-alike types; hostile
 * values that are not objects; broken JSON; frames the schema accepts but the server must
 * refuse (blank or over-long bodies, replies to nothing, conversations that do not exist);
 * and binary frames. Also which error id each frame's answer must carry.
 */
import { randomUUID } from "node:crypto";
import { clientFrame, MAX_FRAME_BYTES } from "@private-chat/protocol/frames";
import fc from "fast-check";
import type { Fixture } from "./fuzz-socket-fixture.js";
import {
  BROKEN_JSON,
  blank,
  hostile,
  type Json,
  mutateTemplate,
  mutationOp,
  PROTO_KEYS,
  serialize,
  strangeId,
  tooLongBody,
  weirdString,
} from "./hostile.js";

const FRAME_TYPES = ["message.send", "typing", "read", "sync", "ping"] as const;

export type Outgoing = { kind: "text"; text: string } | { kind: "binary"; bytes: Uint8Array };

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

export function frameArbitrary(f: Fixture): fc.Arbitrary<Outgoing> {
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
  const op = (keys: string[]) => mutationOp(keys, key);
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
export function expectedErrorId(frame: Outgoing): string {
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
export function mustFail(frame: Outgoing): boolean {
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
