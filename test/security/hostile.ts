/**
 * Hostile input for the fuzz suites: JSON built by hand (so keys may repeat or be
 * __proto__, and numbers may overflow), edge-case strings and numbers, deep nesting, and
 * template mutation.
 */
import fc from "fast-check";

export type Json = Record<string, unknown>;

/** The default [messages] max_body_chars. */
export const MAX_BODY_CHARS = 4000;

// --- JSON built by hand, so keys may repeat, be __proto__, and numbers may overflow ------

export type Node =
  | { t: "raw"; text: string }
  | { t: "str"; value: string }
  | { t: "arr"; items: Node[] }
  | { t: "obj"; entries: [string, Node][] };

export function serialize(node: Node): string {
  switch (node.t) {
    case "raw":
      return node.text;
    case "str":
      return JSON.stringify(node.value);
    case "arr":
      return `[${node.items.map(serialize).join(",")}]`;
    case "obj":
      return `{${node.entries.map(([k, v]) => `${JSON.stringify(k)}:${serialize(v)}`).join(",")}}`;
  }
}

export function fromJson(value: unknown): Node {
  if (typeof value === "string") return { t: "str", value };
  if (Array.isArray(value)) return { t: "arr", items: value.map(fromJson) };
  if (typeof value === "object" && value !== null)
    return { t: "obj", entries: Object.entries(value).map(([k, v]) => [k, fromJson(v)]) };
  return { t: "raw", text: JSON.stringify(value) };
}

export const str = (value: string): Node => ({ t: "str", value });
export const raw = (text: string): Node => ({ t: "raw", text });

// --- hostile values -------------------------------------------------------------------

export const EDGE_STRINGS = [
  "",
  " ",
  "\u0000",
  "a\u0000b",
  "\ud800",
  "\udfff",
  "x\ud83dy",
  "\udc00\ud800",
  "\u202e",
  "\u202egnp.exe",
  "\u200f\u200e",
  "\ufeff",
  "\u2028\u2029",
  "\u00a0",
  "\u3000",
  "\u200b",
  "𝕒𝕕𝕞𝕚𝕟",
  "👍🏽",
  "👨‍👩‍👧‍👦",
  "e\u0301\u0301\u0301",
  "Z̴̡̧̛̛͓̖͈̭̙̤̞̣̙͖̠̘",
  "admin",
  "ADMIN",
  "аdmin", // Cyrillic а
  "<script>alert(1)</script>",
  "' OR 1=1 --",
  '"; DROP TABLE users; --',
  "../../etc/passwd",
  "%00",
  "%",
  "$" + "{7*7}", // a template-injection probe, spelled so no linter mistakes it for one
  "{{7*7}}",
  "__proto__",
  "constructor",
  "prototype",
  "toString",
  "hasOwnProperty",
  "null",
  "undefined",
  "NaN",
  "-0",
  "1e309",
  "true",
  "direct",
  "group",
  "owner",
  "\r\n\r\nHTTP/1.1 200 OK",
  "\t",
];

export const PROTO_KEYS = [
  "__proto__",
  "constructor",
  "prototype",
  "toString",
  "valueOf",
  "hasOwnProperty",
  "__defineGetter__",
  "isPrototypeOf",
];

export const RAW_NUMBERS = [
  "0",
  "-0",
  "-1",
  "1.5",
  "0.1",
  "1e308",
  "-1e308",
  "1e400",
  "-1e400",
  "1E+999",
  "5e-324",
  "1e-400",
  "9007199254740991",
  "9007199254740993",
  "-9007199254740993",
  "123456789012345678901234567890",
  "2147483648",
  "-2147483649",
  "4294967296",
  "18446744073709551616",
  "0.0000000000000000000000000000001",
];

const anyUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));

export const weirdString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...EDGE_STRINGS) },
  { weight: 3, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: anyUnit, maxLength: 40 }) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(
        fc.constantFrom("x", "é", "😀", " ", "\u0000", "\ud800", "a\u0301"),
        fc.integer({ min: 50, max: 30_000 }),
      )
      .map(([s, n]) => s.repeat(Math.ceil(n / s.length))),
  },
);

export const weirdNumber: fc.Arbitrary<Node> = fc.oneof(
  fc.constantFrom(...RAW_NUMBERS).map(raw),
  fc.integer().map((n) => raw(String(n))),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => raw(JSON.stringify(n))),
  fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }).map((n) => raw(n.toString())),
);

export const deepNode: fc.Arbitrary<Node> = fc
  .tuple(fc.integer({ min: 20, max: 3_000 }), fc.constantFrom("arr", "obj", "proto"))
  .map(([depth, kind]) => {
    if (kind === "arr") return raw(`${"[".repeat(depth)}${"]".repeat(depth)}`);
    const key = kind === "obj" ? "a" : "__proto__";
    return raw(`${`{"${key}":`.repeat(depth)}1${"}".repeat(depth)}`);
  });

export const { hostile } = fc.letrec<{ hostile: Node; leaf: Node }>((tie) => ({
  leaf: fc.oneof(
    { weight: 5, arbitrary: weirdString.map(str) },
    { weight: 3, arbitrary: weirdNumber },
    { weight: 2, arbitrary: fc.constantFrom("true", "false", "null").map(raw) },
  ),
  hostile: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    { weight: 6, arbitrary: tie("leaf") },
    {
      weight: 2,
      arbitrary: fc
        .array(tie("hostile"), { maxLength: 5 })
        .map((items): Node => ({ t: "arr", items })),
    },
    {
      weight: 2,
      arbitrary: fc
        .array(
          fc.tuple(
            fc.oneof(fc.constantFrom(...PROTO_KEYS), fc.string({ maxLength: 10 })),
            tie("hostile"),
          ),
          {
            maxLength: 5,
          },
        )
        .map((entries): Node => ({ t: "obj", entries })),
    },
    { weight: 1, arbitrary: deepNode },
  ),
}));

export const codePoints = (s: string) => [...s].length;
export const blank = fc
  .array(fc.constantFrom(" ", "\t", "\n", "\u00a0", "\u2028", "\ufeff", "\u3000", "\r"), {
    maxLength: 20,
  })
  .map((a) => a.join(""));
/** A message body past max_body_chars yet within the schema's bound. */
export const tooLongBody = fc
  .tuple(
    fc.constantFrom("x", "é", "😀", "\ud800", "\u0000"),
    fc.integer({ min: MAX_BODY_CHARS + 1, max: 12_000 }),
  )
  .map(([s, n]) => s.repeat(n))
  .filter((s) => s.length <= 100_000);
export const strangeId = fc.oneof(
  fc.string({ minLength: 1, maxLength: 64 }),
  fc.constantFrom(...EDGE_STRINGS.filter((s) => s !== "")),
);

export type Op =
  | { op: "set"; key: string; value: Node }
  | { op: "delete"; key: string }
  | { op: "add"; key: string; value: Node };

/**
 * One change to a template: replace a field it has (`keys`) with a hostile value, drop
 * one, or add a field named by `newKey`.
 */
export function mutationOp(keys: string[], newKey: fc.Arbitrary<string>): fc.Arbitrary<Op> {
  return fc.oneof(
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
    {
      weight: 3,
      arbitrary: fc.record({ op: fc.constant("add" as const), key: newKey, value: hostile }),
    },
  );
}

export function mutateTemplate(template: Json, ops: Op[]): Node {
  let entries: [string, Node][] = Object.entries(template).map(([k, v]) => [k, fromJson(v)]);
  for (const op of ops) {
    if (op.op === "delete") entries = entries.filter(([k]) => k !== op.key);
    else if (op.op === "add") entries.push([op.key, op.value]);
    else {
      const at = entries.findIndex(([k]) => k === op.key);
      if (at >= 0) entries[at] = [op.key, op.value];
      else entries.push([op.key, op.value]);
    }
  }
  return { t: "obj", entries };
}

export const BROKEN_JSON = [
  "{",
  "}",
  "[",
  "{]",
  "nul",
  "tru",
  "'a'",
  "{a:1}",
  '{"a":1,}',
  '{"a" 1}',
  "NaN",
  "Infinity",
  "undefined",
  "/*c*/{}",
  "{}{}",
  "{}\n{}",
  '{"a":"\\x41"}',
  '{"a":"\\ud800"}',
  '{"a":"\u0000"}',
  '"\\u0000"',
  "\u0000",
  "\ufeff",
  "\ufeff\ufeff{}",
  " ",
  "\n",
  '{"__proto__":[]}',
  '{"constructor":{"prototype":{"isAdmin":true}}}',
  '{"a":1e}',
  '{"a":-}',
  '{"a":01}',
  '{"a":.5}',
  '{"a":0x10}',
];

export function hasNul(body: string | Uint8Array): boolean {
  if (typeof body === "string") return body.includes("\u0000") || /\\u0000/i.test(body);
  return body.includes(0) || /\\u0000/i.test(Buffer.from(body).toString("latin1"));
}
