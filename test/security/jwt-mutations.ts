/**
 * Tampering with a real access token for the property tests: edits to any segment's text,
 * header and payload claims re-encoded, segments re-serialised, permuted, spliced from
 * another user's token, truncated or re-dotted. Also the helpers that tell a new token from
 * a re-spelling of the same signed bytes, and which tokens can travel in a header or a URL.
 */
import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { AUD, BASE64URL, b64, ISS, type Json } from "./jwt-forgery-fixture.js";

type Mutation =
  | { op: "replace"; seg: number; pos: number; text: string }
  | { op: "insert"; seg: number; pos: number; text: string }
  | { op: "delete"; seg: number; pos: number; len: number }
  | { op: "header" | "payload"; key: string; value: unknown; remove: boolean }
  | { op: "reserialize"; seg: 0 | 1; style: "indent" | "reverse" | "escape" | "spaces" }
  | { op: "permute"; order: [number, number, number] }
  | { op: "splice"; seg: number }
  | { op: "truncate"; keep: number }
  | { op: "case"; seg: number; pos: number }
  | { op: "dots"; variant: number };

function decodeSegment(segment: string): unknown {
  try {
    return JSON.parse(Buffer.from(segment, "base64url").toString("utf8"));
  } catch {
    return undefined;
  }
}

export function applyMutation(token: string, mutation: Mutation, donor: string): string {
  const parts = token.split(".");
  const at = (seg: number) => Math.min(seg, parts.length - 1);
  switch (mutation.op) {
    case "replace":
    case "insert":
    case "delete": {
      const i = at(mutation.seg);
      const s = parts[i] ?? "";
      const pos =
        s.length === 0 ? 0 : mutation.pos % (s.length + (mutation.op === "insert" ? 1 : 0));
      if (mutation.op === "replace")
        parts[i] = s.slice(0, pos) + mutation.text + s.slice(pos + mutation.text.length);
      else if (mutation.op === "insert") parts[i] = s.slice(0, pos) + mutation.text + s.slice(pos);
      else parts[i] = s.slice(0, pos) + s.slice(pos + mutation.len);
      return parts.join(".");
    }
    case "header":
    case "payload": {
      const i = mutation.op === "header" ? 0 : 1;
      const decoded = decodeSegment(parts[i] ?? "");
      const object: Json =
        typeof decoded === "object" && decoded !== null && !Array.isArray(decoded)
          ? { ...(decoded as Json) }
          : {};
      if (mutation.remove) delete object[mutation.key];
      else object[mutation.key] = mutation.value;
      parts[i] = b64(object);
      return parts.join(".");
    }
    case "reserialize": {
      const decoded = decodeSegment(parts[mutation.seg] ?? "");
      if (typeof decoded !== "object" || decoded === null) return token;
      let text: string;
      if (mutation.style === "indent") text = JSON.stringify(decoded, null, 2);
      else if (mutation.style === "reverse")
        text = JSON.stringify(Object.fromEntries(Object.entries(decoded).reverse()));
      else if (mutation.style === "spaces") text = ` ${JSON.stringify(decoded)} `;
      else
        text = JSON.stringify(decoded).replace(
          /"([a-z])/,
          (_m, c: string) => `"\\u00${c.charCodeAt(0).toString(16)}`,
        );
      parts[mutation.seg] = b64(text);
      return parts.join(".");
    }
    case "permute":
      return mutation.order.map((i) => parts[i] ?? "").join(".");
    case "splice": {
      const other = donor.split(".");
      parts[at(mutation.seg)] = other[mutation.seg] ?? "";
      return parts.join(".");
    }
    case "truncate":
      return token.slice(0, mutation.keep % (token.length + 1));
    case "case": {
      const i = at(mutation.seg);
      const s = parts[i] ?? "";
      if (s.length === 0) return token;
      const pos = mutation.pos % s.length;
      const c = s[pos] as string;
      const swapped = c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase();
      parts[i] = s.slice(0, pos) + swapped + s.slice(pos + 1);
      return parts.join(".");
    }
    case "dots": {
      const variants = [
        `.${token}`,
        `${token}.`,
        token.replace(".", ".."),
        token.replace(".", ""),
        token.replaceAll(".", ""),
        `${token}.${parts[2] ?? ""}`,
      ];
      return variants[mutation.variant % variants.length] as string;
    }
  }
}

export function mutationArbitrary(f: { aliceId: string; bobId: string; bobSession: string }) {
  const anyChar = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...BASE64URL) },
    {
      weight: 2,
      arbitrary: fc.constantFrom(".", "=", "+", "/", " ", "\t", "\n", "%", "\u0000", "\u202e", "é"),
    },
    {
      weight: 1,
      arbitrary: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
    },
  );
  const text = fc.oneof(
    { weight: 4, arbitrary: anyChar },
    { weight: 1, arbitrary: fc.string({ unit: anyChar, minLength: 1, maxLength: 12 }) },
  );
  const now = Math.floor(Date.now() / 1000);
  const claimValue = fc.oneof(
    fc.constantFrom<unknown>(
      "none",
      "HS256",
      "HS384",
      "HS512",
      "RS256",
      "hs256",
      "JWT",
      "jwt",
      "",
      null,
      true,
      0,
      -1,
      now - 3600,
      now + 3600,
      now + 10 ** 9,
      1e308,
      Number.MAX_SAFE_INTEGER,
      f.aliceId,
      f.bobId,
      f.bobSession,
      randomUUID(),
      ISS,
      "evil",
      [AUD],
      ["b64"],
      { kty: "oct", k: "AAAA" },
      "http://127.0.0.1:1/jwks.json",
    ),
    fc.string({ maxLength: 20 }),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
  );
  const headerKey = fc.oneof(
    fc.constantFrom("alg", "typ", "kid", "jku", "jwk", "x5u", "x5c", "crit", "b64", "cty", "zip"),
    fc.string({ minLength: 1, maxLength: 8 }),
  );
  const payloadKey = fc.oneof(
    fc.constantFrom("sub", "jti", "exp", "nbf", "iat", "iss", "aud", "admin", "is_admin"),
    fc.string({ minLength: 1, maxLength: 8 }),
  );
  const seg = fc.integer({ min: 0, max: 2 });
  const mutation: fc.Arbitrary<Mutation> = fc.oneof(
    {
      weight: 4,
      arbitrary: fc.record({ op: fc.constant("replace" as const), seg, pos: fc.nat(), text }),
    },
    {
      weight: 3,
      arbitrary: fc.record({ op: fc.constant("insert" as const), seg, pos: fc.nat(), text }),
    },
    {
      weight: 3,
      arbitrary: fc.record({
        op: fc.constant("delete" as const),
        seg,
        pos: fc.nat(),
        len: fc.integer({ min: 1, max: 8 }),
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({
        op: fc.constant("header" as const),
        key: headerKey,
        value: claimValue,
        remove: fc.boolean(),
      }),
    },
    {
      weight: 4,
      arbitrary: fc.record({
        op: fc.constant("payload" as const),
        key: payloadKey,
        value: claimValue,
        remove: fc.boolean(),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        op: fc.constant("reserialize" as const),
        seg: fc.constantFrom(0 as const, 1 as const),
        style: fc.constantFrom(
          "indent" as const,
          "reverse" as const,
          "escape" as const,
          "spaces" as const,
        ),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        op: fc.constant("permute" as const),
        order: fc.constantFrom<[number, number, number]>(
          [0, 2, 1],
          [1, 0, 2],
          [1, 2, 0],
          [2, 0, 1],
          [2, 1, 0],
          [0, 0, 2],
          [1, 1, 2],
        ),
      }),
    },
    { weight: 1, arbitrary: fc.record({ op: fc.constant("splice" as const), seg }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant("truncate" as const), keep: fc.nat() }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant("case" as const), seg, pos: fc.nat() }) },
    {
      weight: 1,
      arbitrary: fc.record({ op: fc.constant("dots" as const), variant: fc.nat({ max: 5 }) }),
    },
  );
  return fc.array(mutation, { minLength: 1, maxLength: 3 });
}

/**
 * True when `token` carries exactly the original's bytes: the same header and payload text
 * and a signature segment that decodes (leniently, as jose does through atob) to the same
 * signature. Such a token is a different spelling of the same signed message.
 */
export function sameSignedBytes(token: string, original: string): boolean {
  const parts = token.split(".");
  const [h, p, s] = original.split(".") as [string, string, string];
  if (parts.length !== 3 || parts[0] !== h || parts[1] !== p) return false;
  const sig = parts[2] as string;
  if (/[+/]/.test(sig)) return false;
  try {
    const lenient = Buffer.from(atob(sig.replaceAll("-", "+").replaceAll("_", "/")), "latin1");
    return lenient.equals(Buffer.from(s, "base64url"));
  } catch {
    return false;
  }
}

export function headerSafe(token: string): boolean {
  return /^[\x21-\x7e]+$/.test(token);
}

export function uriSafe(token: string): boolean {
  try {
    encodeURIComponent(token);
    return token.length > 0;
  } catch {
    return false;
  }
}
