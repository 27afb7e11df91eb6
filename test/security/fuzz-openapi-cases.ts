/**
 * Requests for every operation of the OpenAPI document: path parameters (ids of the
 * seeded world, strange strings, huge numbers, broken percent-encoding), query parameters
 * (valid, extreme, repeated, unknown) and JSON bodies (valid per the request schema, then
 * mutated with the REST fuzz's template mutations, oversized, or not JSON at all).
 * Uploads are built by fuzz-openapi-uploads.ts.
 */
import fc from "fast-check";
import { knownId, type OpenApiWorld, pathIdKind, worldHint } from "./fuzz-openapi-world.js";
import {
  BROKEN_JSON,
  fromJson,
  hostile,
  type Json,
  mutateTemplate,
  mutationOp,
  PROTO_KEYS,
  serialize,
  weirdString,
} from "./hostile.js";
import { type JsonSchema, schemaValue } from "./openapi-values.js";

export interface Parameter {
  name: string;
  in: "path" | "query";
  required: boolean;
  schema: JsonSchema;
}

export interface Operation {
  method: string;
  /** As in the document: /api/v1/messages/{id}. */
  path: string;
  parameters: Parameter[];
  jsonBody?: JsonSchema;
  upload: boolean;
}

export type Auth = "caller" | "none" | "garbage";

export interface ApiCase {
  op: Operation;
  /** The request target, encoded. */
  target: string;
  auth: Auth;
  contentType?: string;
  body?: string | Uint8Array;
  /** Which file an upload carried, for the figures. */
  file?: string;
}

interface OpenApiDocument {
  paths: Record<
    string,
    Record<
      string,
      {
        parameters?: Parameter[];
        requestBody?: { content: Record<string, { schema: JsonSchema }> };
      }
    >
  >;
}

export function operationsOf(doc: OpenApiDocument): Operation[] {
  return Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({
      method: method.toUpperCase(),
      path,
      parameters: op.parameters ?? [],
      jsonBody: op.requestBody?.content["application/json"]?.schema,
      upload: op.requestBody?.content["multipart/form-data"] !== undefined,
    })),
  );
}

/** Percent-encodes like encodeURIComponent, lone surrogates included (as WTF-8 bytes). */
export function encodeSegment(s: string): string {
  let out = "";
  for (const ch of s) {
    const c = ch.codePointAt(0) as number;
    if (c >= 0xd800 && c <= 0xdfff) {
      out += [0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f)]
        .map((b) => `%${b.toString(16).toUpperCase()}`)
        .join("");
    } else out += encodeURIComponent(ch);
  }
  return out;
}

const HUGE_NUMBERS = [
  "0",
  "-1",
  "1.5",
  "1e308",
  "-1e308",
  "9007199254740993",
  "99999999999999999999999999999999",
  "NaN",
  "Infinity",
  "-0",
  "0x10",
  " 1",
  "1 ",
  "",
];

/** Segments sent as they are: percent-encoding that is broken or decodes to oddities. */
const RAW_SEGMENTS = [
  "%",
  "%zz",
  "%00",
  "%ED%A0%80",
  "%C0%AE",
  "%FF%FE",
  "..",
  ".",
  "%2E%2E",
  "a%2Fb",
  "%2F",
  "%E2%80%AE",
  "x".repeat(5000),
];

function segment(world: OpenApiWorld, op: Operation, name: string): fc.Arbitrary<string> {
  const kind = pathIdKind(op.path, name);
  const known =
    kind !== undefined
      ? knownId(world, kind)
      : name === "emoji"
        ? fc.constantFrom("👍", "❤️", "🎉", "x")
        : fc.uuid();
  return fc.oneof(
    { weight: 8, arbitrary: known.map(encodeSegment) },
    { weight: 2, arbitrary: fc.uuid() },
    { weight: 3, arbitrary: weirdString.filter((s) => s !== "").map(encodeSegment) },
    { weight: 1, arbitrary: fc.constantFrom(...HUGE_NUMBERS.filter((n) => n !== "")) },
    { weight: 1, arbitrary: fc.constantFrom(...RAW_SEGMENTS) },
  );
}

function queryValue(param: Parameter, world: OpenApiWorld): fc.Arbitrary<string> {
  const valid = schemaValue(param.schema, worldHint(world), param.name).map(String);
  return fc.oneof(
    { weight: 5, arbitrary: valid.map(encodeSegment) },
    { weight: 3, arbitrary: fc.constantFrom(...HUGE_NUMBERS).map(encodeSegment) },
    { weight: 2, arbitrary: weirdString.map(encodeSegment) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom("A", "_-", "%00", "%FF", "9"), fc.integer({ min: 100, max: 6000 }))
        .map(([s, n]) => s.repeat(n)),
    },
    { weight: 1, arbitrary: fc.constantFrom(...RAW_SEGMENTS.slice(0, 7)) },
  );
}

function queryString(op: Operation, world: OpenApiWorld): fc.Arbitrary<string> {
  const params = op.parameters.filter((p) => p.in === "query");
  const each = params.map((p) =>
    fc
      .option(queryValue(p, world), { freq: p.required ? 10 : 3 })
      .map((v) => (v === null ? [] : [`${p.name}=${v}`])),
  );
  const extra = fc.oneof(
    { weight: 6, arbitrary: fc.constant([] as string[]) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom(...params.map((p) => p.name), "foo", "__proto__"), weirdString)
        .map(([name, v]) => [`${name}=${encodeSegment(v)}`, `${name}[]=1`]),
    },
  );
  return fc.tuple(fc.tuple(...each), extra).map(([parts, more]) => {
    const all = [...parts.flat(), ...more];
    return all.length === 0 ? "" : `?${all.join("&")}`;
  });
}

/** Keys of an object schema (of every branch of a union). */
function schemaKeys(schema: JsonSchema): string[] {
  const branches = schema.oneOf ?? schema.anyOf ?? [schema];
  return [...new Set(branches.flatMap((b) => Object.keys(b.properties ?? {})))];
}

/** A string field at one past its maxLength, in an otherwise valid body. */
function oversized(
  schema: JsonSchema,
  valid: fc.Arbitrary<unknown>,
): fc.Arbitrary<string> | undefined {
  const branches = schema.oneOf ?? schema.anyOf ?? [schema];
  const bounded = branches.flatMap((b) =>
    Object.entries(b.properties ?? {}).filter(([, s]) => s.type === "string" && s.maxLength),
  );
  if (bounded.length === 0) return undefined;
  return fc
    .tuple(valid, fc.constantFrom(...bounded), fc.constantFrom("x", "é", "😀", "\u202e"))
    .map(([value, [key, s], unit]) =>
      JSON.stringify({ ...(value as Json), [key]: unit.repeat((s.maxLength ?? 0) + 1) }),
    );
}

function jsonBody(schema: JsonSchema, world: OpenApiWorld): fc.Arbitrary<string> {
  const valid = schemaValue(schema, worldHint(world));
  const keys = schemaKeys(schema);
  const newKey = fc.oneof(
    fc.constantFrom(...PROTO_KEYS, "is_admin", "id", "sender_id", "seq"),
    weirdString.filter((s) => s.length < 100),
  );
  const mutated = fc
    .tuple(
      valid,
      fc.array(mutationOp(keys.length > 0 ? keys : ["x"], newKey), { minLength: 1, maxLength: 3 }),
    )
    .map(([value, ops]) =>
      typeof value === "object" && value !== null && !Array.isArray(value)
        ? serialize(mutateTemplate(value as Json, ops))
        : serialize(fromJson(value)),
    );
  const arbs: fc.WeightedArbitrary<string>[] = [
    { weight: 4, arbitrary: valid.map((v) => JSON.stringify(v) ?? "null") },
    { weight: 6, arbitrary: mutated },
    { weight: 1, arbitrary: hostile.map(serialize) },
    { weight: 1, arbitrary: fc.constantFrom(...BROKEN_JSON) },
  ];
  const big = oversized(schema, valid);
  if (big) arbs.push({ weight: 1, arbitrary: big });
  return fc.oneof(...arbs);
}

const AUTH = fc.constantFrom<Auth>(...Array<Auth>(18).fill("caller"), "none", "garbage");

/** The request line, headers and (JSON) body of one case for `op`. */
export function jsonCase(world: OpenApiWorld, op: Operation): fc.Arbitrary<ApiCase> {
  const names = op.parameters.filter((p) => p.in === "path").map((p) => p.name);
  const path = fc
    .tuple(...names.map((n) => segment(world, op, n)))
    .map((values) => names.reduce((p, n, i) => p.replace(`{${n}}`, values[i] as string), op.path));
  const body: fc.Arbitrary<{ body?: string; contentType?: string }> = op.jsonBody
    ? fc
        .tuple(
          jsonBody(op.jsonBody, world),
          fc.constantFrom(
            "application/json",
            "application/json",
            "application/json",
            "text/plain",
            undefined,
          ),
        )
        .map(([b, contentType]) => ({ body: b, contentType }))
    : fc.oneof(
        { weight: 8, arbitrary: fc.constant({}) },
        {
          weight: 1,
          arbitrary: hostile.map((n) => ({ body: serialize(n), contentType: "application/json" })),
        },
      );
  return fc
    .record({ path, query: queryString(op, world), auth: AUTH, body })
    .map(({ path: p, query, auth, body: b }) => ({ op, target: `${p}${query}`, auth, ...b }));
}
