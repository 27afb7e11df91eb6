/**
 * Whole REST fuzz requests: a body (a broken template, something other than an object,
 * broken JSON text or bytes that are not UTF-8) with a content type, sent to a real target
 * when the server must refuse it there, or to a missing one when it passes the schema.
 * Bodies that might be accepted, or would cost an argon2 hash, are never sent. Also a
 * handful of extreme bodies (over a megabyte, very deep, very wide) sent once each.
 */
import { randomUUID } from "node:crypto";
import { PASSWORD_MAX } from "@private-chat/protocol/rest";
import fc from "fast-check";
import { ENDPOINTS, type Endpoint, type Fixture } from "./fuzz-rest-endpoints.js";
import {
  BROKEN_JSON,
  fromJson,
  hasNul,
  hostile,
  type Json,
  mutateTemplate,
  mutationOp,
  type Node,
  PROTO_KEYS,
  serialize,
  str,
  weirdString,
} from "./hostile.js";

export interface FuzzCase {
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
  const op = mutationOp(keys, key);
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

export function generateCases(
  f: Fixture,
  total: number,
  seed: number,
  excludeNul = false,
): FuzzCase[] {
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
export function extremeCases(): FuzzCase[] {
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
