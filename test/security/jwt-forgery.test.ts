/**
 * Forged and tampered access tokens: none may open a REST request (GET /api/v1/me answers
 * 401, or 403 for a disabled account) or a socket (the upgrade completes and closes with
 * 4401, never a ready frame). Hand-built tokens cover what jose refuses to produce.
 * Socket tickets (/socket?ticket=) get the same treatment. A property test then tampers
 * with a real token 10,000 times against AuthService in process, and a few hundred times
 * over HTTP and the socket. Set FUZZ_SEED to explore other runs.
 */
import assert from "node:assert/strict";
import {
  createHmac,
  createPrivateKey,
  sign as cryptoSign,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  randomUUID,
} from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import { decodeJwt, SignJWT, UnsecuredJWT } from "jose";
import { AppError } from "../../src/errors.js";
import { createUser, type TestUser } from "../helpers/factories.js";
import { client } from "../helpers/http.js";
import { startTestServer, type TestServer, testSecret } from "../helpers/server.js";
import { socketUrl } from "../helpers/socket.js";
import { attemptSocket, errorBodyProblem, fuzzSeed, mapLimit, preview } from "./support.js";

const ISS = "private-chat";
const AUD = "private-chat";
// What ws lets a client put in Sec-WebSocket-Protocol (RFC 7230 tchar).
const SUBPROTOCOL_SAFE = /^[!#$%&'*+\-.0-9A-Z^_`|a-z~]+$/;
const BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

type Json = Record<string, unknown>;

function b64(value: unknown): string {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return Buffer.from(text, "utf8").toString("base64url");
}

/** A compact JWS built by hand: `header` and `payload` are objects or raw JSON text. */
function handmade(
  header: unknown,
  payload: unknown,
  signer: (input: string) => string = () => "",
): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${signer(input)}`;
}

const hmac =
  (key: string | Uint8Array, digest: "sha256" | "sha384" | "sha512" = "sha256") =>
  (input: string) =>
    createHmac(digest, key).update(input).digest("base64url");

const rsa =
  (key: KeyObject) =>
  (input: string): string =>
    cryptoSign("sha256", Buffer.from(input), key).toString("base64url");

const ecdsa =
  (key: KeyObject) =>
  (input: string): string =>
    cryptoSign("sha256", Buffer.from(input), { key, dsaEncoding: "ieee-p1363" }).toString(
      "base64url",
    );

interface ForgedCase {
  name: string;
  token: string;
  /** 401 unless said otherwise. */
  status?: 401 | 403;
  /** The exact catalogue code, where only one is right. */
  code?: string;
}

interface Fixture {
  server: TestServer;
  secret: string;
  previousSecret: string;
  alice: TestUser;
  bob: TestUser;
  aliceSession: string;
  bobSession: string;
  revokedToken: string;
  revokedSession: string;
  revokedUser: TestUser;
  disabledToken: string;
  expiredSession: string;
  jwks: { url: string; hits: () => number; close: () => Promise<void> };
  attackerRsa: { privateKey: KeyObject; publicJwk: Json };
}

async function startJwksServer(publicJwk: Json) {
  let hits = 0;
  const server: Server = createServer((_req, res) => {
    hits += 1;
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ keys: [publicJwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    hits: () => hits,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function claims(f: Fixture, overrides: Json = {}, drop: string[] = []): Json {
  const now = Math.floor(Date.now() / 1000);
  const base: Json = {
    sub: f.alice.id,
    jti: f.aliceSession,
    iss: ISS,
    aud: AUD,
    iat: now,
    nbf: now,
    exp: now + 3600,
    ...overrides,
  };
  for (const key of drop) delete base[key];
  return base;
}

const HS256 = { alg: "HS256", typ: "JWT" };

async function forgedCases(f: Fixture): Promise<ForgedCase[]> {
  const right = hmac(f.secret);
  const now = Math.floor(Date.now() / 1000);
  const good = claims(f);
  const attackerSecret = randomBytes(32);
  const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const ed = generateKeyPairSync("ed25519");
  const attackerOct = { kty: "oct", k: attackerSecret.toString("base64url") };

  const cases: ForgedCase[] = [
    // alg "none" and its spellings: unsigned, or with an empty or borrowed signature.
    { name: "alg none (jose UnsecuredJWT)", token: new UnsecuredJWT(good).encode() },
    { name: "alg none with typ JWT", token: handmade({ alg: "none", typ: "JWT" }, good) },
    {
      name: "alg none keeping a real signature",
      token: `${handmade({ alg: "none", typ: "JWT" }, good, () => "")}${right(`${b64(HS256)}.${b64(good)}`)}`,
    },
    { name: "alg None", token: handmade({ alg: "None", typ: "JWT" }, good) },
    { name: "alg NONE", token: handmade({ alg: "NONE", typ: "JWT" }, good) },
    { name: "alg nOnE", token: handmade({ alg: "nOnE", typ: "JWT" }, good) },
    { name: "alg empty string", token: handmade({ alg: "", typ: "JWT" }, good, right) },
    { name: "alg missing", token: handmade({ typ: "JWT" }, good, right) },
    { name: "alg null", token: handmade({ alg: null, typ: "JWT" }, good, right) },
    {
      name: 'alg "HS256 " (trailing space)',
      token: handmade({ alg: "HS256 ", typ: "JWT" }, good, right),
    },
    { name: "alg hs256 (lower case)", token: handmade({ alg: "hs256", typ: "JWT" }, good, right) },
    {
      name: "alg HS256 with NUL",
      token: handmade({ alg: "HS256\u0000", typ: "JWT" }, good, right),
    },
    { name: "unsigned HS256 (empty signature)", token: handmade(HS256, good) },

    // Wrong keys.
    {
      name: "wrong key (random 32 bytes, jose)",
      token: await new SignJWT({})
        .setProtectedHeader(HS256)
        .setSubject(f.alice.id)
        .setJti(f.aliceSession)
        .setIssuer(ISS)
        .setAudience(AUD)
        .setIssuedAt()
        .setNotBefore(now)
        .setExpirationTime("1h")
        .sign(attackerSecret),
    },
    { name: "wrong key: empty HMAC key", token: handmade(HS256, good, hmac("")) },
    {
      name: "not configured: another deployment's secret",
      token: handmade(HS256, good, hmac(testSecret())),
    },
    {
      name: "not configured: the secret's base64-decoded bytes",
      token: handmade(HS256, good, hmac(Buffer.from(f.secret, "base64"))),
    },
    {
      name: "not configured: the secret with a trailing newline",
      token: handmade(HS256, good, hmac(`${f.secret}\n`)),
    },
    {
      name: "not configured: the secret less its last character",
      token: handmade(HS256, good, hmac(f.secret.slice(0, -1))),
    },
    {
      name: "not configured: the previous secret reversed",
      token: handmade(HS256, good, hmac([...f.previousSecret].reverse().join(""))),
    },

    // Algorithm swaps with the right secret.
    {
      name: "HS512 with the right secret (jose)",
      token: await new SignJWT(good)
        .setProtectedHeader({ alg: "HS512", typ: "JWT" })
        .sign(new TextEncoder().encode(f.secret)),
    },
    {
      name: "HS384 with the right secret (jose)",
      token: await new SignJWT(good)
        .setProtectedHeader({ alg: "HS384", typ: "JWT" })
        .sign(new TextEncoder().encode(f.secret)),
    },
    {
      name: "HS512 header over an HS256 signature",
      token: handmade({ alg: "HS512", typ: "JWT" }, good, right),
    },
    {
      name: "RS256 header over an HMAC of the right secret (key confusion)",
      token: handmade({ alg: "RS256", typ: "JWT" }, good, right),
    },
    {
      name: "RS256 signed by an attacker key",
      token: handmade({ alg: "RS256", typ: "JWT" }, good, rsa(f.attackerRsa.privateKey)),
    },
    {
      name: "ES256 signed by an attacker key",
      token: handmade({ alg: "ES256", typ: "JWT" }, good, ecdsa(ec.privateKey)),
    },
    {
      name: "EdDSA signed by an attacker key",
      token: handmade({ alg: "EdDSA", typ: "JWT" }, good, (input) =>
        cryptoSign(null, Buffer.from(input), ed.privateKey).toString("base64url"),
      ),
    },
    {
      name: "PS256 header over an HMAC of the right secret",
      token: handmade({ alg: "PS256", typ: "JWT" }, good, right),
    },

    // Keys carried by the token itself.
    {
      name: "jwk header embedding an attacker oct key",
      token: handmade({ ...HS256, jwk: attackerOct }, good, hmac(attackerSecret)),
    },
    {
      name: "jwk header embedding an attacker RSA key",
      token: handmade(
        { alg: "RS256", typ: "JWT", jwk: f.attackerRsa.publicJwk },
        good,
        rsa(f.attackerRsa.privateKey),
      ),
    },
    {
      name: "jku header pointing at an attacker JWKS",
      token: handmade(
        { alg: "RS256", typ: "JWT", jku: f.jwks.url, kid: "attacker" },
        good,
        rsa(f.attackerRsa.privateKey),
      ),
    },
    {
      name: "jku header with HS256 and an attacker key",
      token: handmade({ ...HS256, jku: f.jwks.url }, good, hmac(attackerSecret)),
    },
    {
      name: "x5u header pointing at an attacker URL",
      token: handmade(
        { alg: "RS256", typ: "JWT", x5u: f.jwks.url },
        good,
        rsa(f.attackerRsa.privateKey),
      ),
    },
    {
      name: "kid path traversal to /dev/null with an empty key",
      token: handmade({ ...HS256, kid: "../../../../../../dev/null" }, good, hmac("")),
    },
    {
      name: "kid SQL injection with an attacker key",
      token: handmade({ ...HS256, kid: "x' UNION SELECT 'k" }, good, hmac("k")),
    },
    {
      name: "kid naming a previous secret slot, attacker key",
      token: handmade({ ...HS256, kid: "1" }, good, hmac(attackerSecret)),
    },

    // Claims that must fail even under the right secret.
    {
      name: "expired exp",
      token: handmade(
        HS256,
        claims(f, { iat: now - 7200, nbf: now - 7200, exp: now - 3600 }),
        right,
      ),
      code: "token_expired",
    },
    {
      name: "exp a few seconds ago",
      token: handmade(HS256, claims(f, { iat: now - 60, nbf: now - 60, exp: now - 2 }), right),
      code: "token_expired",
    },
    { name: "nbf an hour ahead", token: handmade(HS256, claims(f, { nbf: now + 3600 }), right) },
    { name: "nbf a minute ahead", token: handmade(HS256, claims(f, { nbf: now + 60 }), right) },
    { name: "exp missing", token: handmade(HS256, claims(f, {}, ["exp"]), right) },
    { name: "nbf missing", token: handmade(HS256, claims(f, {}, ["nbf"]), right) },
    { name: "jti missing", token: handmade(HS256, claims(f, {}, ["jti"]), right) },
    { name: "sub missing", token: handmade(HS256, claims(f, {}, ["sub"]), right) },
    { name: "exp a string", token: handmade(HS256, claims(f, { exp: String(now + 3600) }), right) },
    { name: "exp null", token: handmade(HS256, claims(f, { exp: null }), right) },
    { name: "nbf a string", token: handmade(HS256, claims(f, { nbf: String(now) }), right) },
    { name: "sub a number", token: handmade(HS256, claims(f, { sub: 1 }), right) },
    { name: "sub an array", token: handmade(HS256, claims(f, { sub: [f.alice.id] }), right) },
    { name: "jti a number", token: handmade(HS256, claims(f, { jti: 1 }), right) },
    { name: "jti an array", token: handmade(HS256, claims(f, { jti: [f.aliceSession] }), right) },
    {
      name: "jti an object",
      token: handmade(HS256, claims(f, { jti: { toString: f.aliceSession } }), right),
    },
    { name: "wrong aud", token: handmade(HS256, claims(f, { aud: "other-app" }), right) },
    { name: "aud case-changed", token: handmade(HS256, claims(f, { aud: "Private-Chat" }), right) },
    { name: "aud array without us", token: handmade(HS256, claims(f, { aud: ["a", "b"] }), right) },
    { name: "aud missing", token: handmade(HS256, claims(f, {}, ["aud"]), right) },
    { name: "wrong iss", token: handmade(HS256, claims(f, { iss: "evil" }), right) },
    {
      name: "iss with a trailing space",
      token: handmade(HS256, claims(f, { iss: `${ISS} ` }), right),
    },
    { name: "iss missing", token: handmade(HS256, claims(f, {}, ["iss"]), right) },
    { name: "typ at+jwt", token: handmade({ alg: "HS256", typ: "at+jwt" }, good, right) },
    { name: "typ JWS", token: handmade({ alg: "HS256", typ: "JWS" }, good, right) },
    { name: "typ JWE", token: handmade({ alg: "HS256", typ: "JWE" }, good, right) },
    { name: "typ a number", token: handmade({ alg: "HS256", typ: 1 }, good, right) },
    { name: "typ missing", token: handmade({ alg: "HS256" }, good, right) },
    {
      name: "crit naming an unknown extension",
      token: handmade({ ...HS256, crit: ["exp"], exp: 1 }, good, right),
    },
    {
      name: "crit b64=false (unencoded payload)",
      token: (() => {
        const header = b64({ ...HS256, b64: false, crit: ["b64"] });
        const payload = JSON.stringify(good);
        return `${header}.${payload}.${right(`${header}.${payload}`)}`;
      })(),
    },

    // Sessions that do not exist or have ended.
    {
      name: "valid signature over a session id that does not exist",
      token: handmade(HS256, claims(f, { jti: randomUUID() }), right),
      code: "session_revoked",
    },
    {
      name: "valid signature, empty session id",
      token: handmade(HS256, claims(f, { jti: "" }), right),
    },
    {
      name: "valid signature, Bob's session under Alice's sub",
      token: handmade(HS256, claims(f, { jti: f.bobSession }), right),
      code: "session_revoked",
    },
    {
      name: "valid signature, Alice's session under Bob's sub",
      token: handmade(HS256, claims(f, { sub: f.bob.id }), right),
      code: "session_revoked",
    },
    {
      name: "valid signature, a session id with SQL in it",
      token: handmade(HS256, claims(f, { jti: "' OR '1'='1" }), right),
      code: "session_revoked",
    },
    { name: "token of a revoked session", token: f.revokedToken, code: "session_revoked" },
    {
      name: "re-signed token of a revoked session, fresh exp",
      token: handmade(HS256, claims(f, { sub: f.revokedUser.id, jti: f.revokedSession }), right),
      code: "session_revoked",
    },
    {
      name: "fresh token over a session that expired in the database",
      token: handmade(HS256, claims(f, { jti: f.expiredSession }), right),
      code: "session_revoked",
    },
    {
      name: "token of a disabled account",
      token: f.disabledToken,
      status: 403,
      code: "account_disabled",
    },

    // Broken structure.
    { name: "two segments", token: `${b64(HS256)}.${b64(good)}` },
    { name: "four segments", token: `${handmade(HS256, good, right)}.${b64("x")}` },
    { name: "five segments (JWE shape)", token: `${b64({ alg: "dir", enc: "A256GCM" })}....` },
    { name: "only dots", token: ".." },
    { name: "header JSON null", token: handmade("null", good, right) },
    { name: "header a JSON array", token: handmade("[]", good, right) },
    { name: "header not JSON", token: handmade("{alg:HS256}", good, right) },
    { name: "payload not JSON, right secret", token: handmade(HS256, "not json", right) },
    { name: "payload a JSON array, right secret", token: handmade(HS256, "[1]", right) },
    { name: "payload JSON null, right secret", token: handmade(HS256, "null", right) },
    {
      name: "payload with duplicate sub keys, attacker key",
      token: handmade(
        HS256,
        `{"sub":"${f.bob.id}","jti":"${f.aliceSession}","iss":"${ISS}","aud":"${AUD}","nbf":${now},"exp":${now + 60},"sub":"${f.alice.id}"}`,
        hmac(attackerSecret),
      ),
    },
  ];
  return cases;
}

/** Resolves with the AppError that authenticate() threw, or fails if it accepted the token. */
async function inProcessRefusal(server: TestServer, token: string): Promise<AppError> {
  try {
    await server.ctx.auth.authenticate(token);
  } catch (err) {
    assert.ok(err instanceof AppError, `authenticate threw a non-AppError: ${String(err)}`);
    return err;
  }
  assert.fail("authenticate accepted the token");
}

async function restRefusal(server: TestServer, token: string, status: number, code?: string) {
  const res = await client(server.url).get("/api/v1/me", { token });
  assert.equal(res.status, status, `GET /me answered ${res.status}: ${res.text}`);
  const problem = errorBodyProblem(res.status, res.body);
  assert.equal(problem, undefined, `error body: ${problem}`);
  if (code) assert.equal(res.body.error.code, code);
}

async function socketRefusal(url: string, protocols?: string[]) {
  const outcome = await attemptSocket(url, protocols);
  assert.ok(outcome.opened || !outcome.clientError, `client error: ${outcome.clientError}`);
  assert.ok(
    !outcome.frames.some((frame) => frame.type === "ready"),
    "the socket got a ready frame",
  );
  assert.equal(outcome.opened, true, `the upgrade did not complete (status ${outcome.status})`);
  assert.equal(outcome.code, 4401, `closed with ${outcome.code} ${outcome.reason}`);
}

// --- token mutations -------------------------------------------------------------------

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

function applyMutation(token: string, mutation: Mutation, donor: string): string {
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

function mutationArbitrary(f: { aliceId: string; bobId: string; bobSession: string }) {
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
function sameSignedBytes(token: string, original: string): boolean {
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

function headerSafe(token: string): boolean {
  return /^[\x21-\x7e]+$/.test(token);
}

function uriSafe(token: string): boolean {
  try {
    encodeURIComponent(token);
    return token.length > 0;
  } catch {
    return false;
  }
}

// --- the suite --------------------------------------------------------------------------

describe("security: forged access tokens", () => {
  let f: Fixture;

  before(async () => {
    const secret = testSecret();
    const previousSecret = testSecret();
    const server = await startTestServer({
      auth: { jwt_secret: secret, previous_jwt_secrets: [previousSecret] },
      rate_limit: { enabled: false },
    });
    const alice = await createUser(server.url);
    const bob = await createUser(server.url);
    const revokedUser = await createUser(server.url);
    const disabledUser = await createUser(server.url);
    const revokedSession = decodeJwt(revokedUser.token).jti as string;
    const logout = await client(server.url).post("/api/v1/auth/logout", undefined, {
      token: revokedUser.token,
    });
    assert.equal(logout.status, 204);
    await server.ctx.store.users.setDisabled(disabledUser.id, true);
    const expiredSession = randomUUID();
    await server.ctx.store.sessions.create({
      id: expiredSession,
      userId: alice.id,
      createdAt: Date.now() - 7_200_000,
      expiresAt: Date.now() - 3_600_000,
      userAgent: "test",
      ip: "127.0.0.1",
    });
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const publicJwk = {
      ...(publicKey.export({ format: "jwk" }) as Json),
      kid: "attacker",
      alg: "RS256",
    };
    const jwks = await startJwksServer(publicJwk);
    f = {
      server,
      secret,
      previousSecret,
      alice,
      bob,
      aliceSession: decodeJwt(alice.token).jti as string,
      bobSession: decodeJwt(bob.token).jti as string,
      revokedToken: revokedUser.token,
      revokedSession,
      revokedUser,
      disabledToken: disabledUser.token,
      expiredSession,
      jwks,
      attackerRsa: {
        privateKey: createPrivateKey(privateKey.export({ format: "pem", type: "pkcs8" })),
        publicJwk,
      },
    };
  });

  after(async () => {
    await f?.jwks.close();
    await f?.server.stop();
  });

  it("controls: a hand-built token with the right or the previous secret is accepted", async () => {
    for (const key of [f.secret, f.previousSecret]) {
      const token = handmade(HS256, claims(f), hmac(key));
      const auth = await f.server.ctx.auth.authenticate(token);
      assert.equal(auth.user.id, f.alice.id);
      assert.equal((await client(f.server.url).get("/api/v1/me", { token })).status, 200);
      for (const protocols of [undefined, [`bearer.${token}`]]) {
        const url = protocols ? socketUrl(f.server.url) : socketUrl(f.server.url, token);
        const outcome = await attemptSocket(url, protocols);
        assert.ok(
          outcome.frames.some((frame) => frame.type === "ready"),
          "no ready frame",
        );
      }
    }
  });

  it("refuses every forged token in process, over REST and on the socket", async (t) => {
    const cases = await forgedCases(f);
    for (const forged of cases) {
      await t.test(forged.name, async () => {
        const status = forged.status ?? 401;
        const refusal = await inProcessRefusal(f.server, forged.token);
        assert.equal(refusal.status, status, `in process: ${refusal.code} ${refusal.message}`);
        if (forged.code) assert.equal(refusal.code, forged.code);
        await restRefusal(f.server, forged.token, status, forged.code);
        await socketRefusal(socketUrl(f.server.url, forged.token));
        if (SUBPROTOCOL_SAFE.test(`bearer.${forged.token}`))
          await socketRefusal(socketUrl(f.server.url), [`bearer.${forged.token}`]);
      });
    }
    assert.equal(f.jwks.hits(), 0, "the server fetched a key from a URL named in a token");
  });

  it("a forged ?token= is not rescued by a valid subprotocol token, nor by Authorization", async () => {
    const forged = handmade(HS256, claims(f), hmac(randomBytes(32)));
    await socketRefusal(socketUrl(f.server.url, forged), [`bearer.${f.alice.token}`]);
    const res = await client(f.server.url).get(
      `/api/v1/me?token=${encodeURIComponent(f.alice.token)}`,
      { token: forged },
    );
    assert.equal(res.status, 401);
    const bare = await client(f.server.url).get(
      `/api/v1/me?token=${encodeURIComponent(f.alice.token)}`,
    );
    assert.equal(bare.status, 401, "REST must not take a token from the query string");
  });

  it("forged, misused and replayed socket tickets are refused with 4401", async (t) => {
    const api = client(f.server.url);
    const issue = async () =>
      (await api.post("/api/v1/socket-ticket", undefined, { token: f.alice.token })).body
        .ticket as string;
    const real = await issue();
    const header = JSON.parse(Buffer.from(real.split(".")[0] as string, "base64url").toString());
    const body = decodeJwt(real) as Json;
    const right = hmac(f.secret);
    const now = Math.floor(Date.now() / 1000);
    const ticketWith = (overrides: Json, head: Json = header, signer = right) =>
      handmade(head, { ...body, jti: randomUUID(), ...overrides }, signer);
    const withTicket = (ticket: string) =>
      `${socketUrl(f.server.url)}?ticket=${encodeURIComponent(ticket)}`;
    const cases: [string, string][] = [
      ["alg none", ticketWith({}, { ...header, alg: "none" }, () => "")],
      ["wrong key", ticketWith({}, header, hmac(randomBytes(32)))],
      ["access-token typ under the right secret", ticketWith({}, { ...header, typ: "JWT" })],
      ["access-token audience under the right secret", ticketWith({ aud: AUD })],
      ["an access token as the ticket", f.alice.token],
      ["expired", ticketWith({ iat: now - 120, nbf: now - 120, exp: now - 60 })],
      ["nbf ahead", ticketWith({ nbf: now + 600 })],
      ["sid missing", ticketWith({ sid: undefined })],
      ["sid of a session that does not exist", ticketWith({ sid: randomUUID() })],
      ["sid of a revoked session", ticketWith({ sub: f.revokedUser.id, sid: f.revokedSession })],
      ["sid of Bob's session under Alice's sub", ticketWith({ sid: f.bobSession })],
      ["sid a number", ticketWith({ sid: 1 })],
    ];
    await t.test("control: a hand-built ticket under the right secret opens a socket", async () => {
      const outcome = await attemptSocket(withTicket(ticketWith({})));
      assert.ok(
        outcome.frames.some((x) => x.type === "ready"),
        `closed with ${outcome.code}`,
      );
    });
    for (const [name, ticket] of cases) {
      await t.test(name, async () => {
        const outcome = await attemptSocket(withTicket(ticket));
        assert.ok(!outcome.frames.some((x) => x.type === "ready"), "the ticket opened a socket");
        assert.equal(outcome.code, 4401, `closed with ${outcome.code} ${outcome.reason}`);
      });
    }
    await t.test("a ticket is no access token (REST and ?token=)", async () => {
      const ticket = await issue();
      assert.equal((await api.get("/api/v1/me", { token: ticket })).status, 401);
      await socketRefusal(socketUrl(f.server.url, ticket));
    });
    await t.test("a forged ticket is not rescued by a valid ?token= beside it", async () => {
      const forged = ticketWith({}, header, hmac(randomBytes(32)));
      const url = `${socketUrl(f.server.url, f.alice.token)}&ticket=${encodeURIComponent(forged)}`;
      const outcome = await attemptSocket(url);
      assert.equal(outcome.code, 4401);
    });
    await t.test("a ticket opens one socket, then never again", async () => {
      const ticket = await issue();
      const first = await attemptSocket(withTicket(ticket));
      assert.ok(
        first.frames.some((x) => x.type === "ready"),
        "a fresh ticket should work",
      );
      const again = await attemptSocket(withTicket(ticket));
      assert.equal(again.code, 4401, "replayed");
    });
  });

  it("refuses malformed Authorization headers around a valid token", async () => {
    const token = f.alice.token;
    for (const header of [
      `Basic ${token}`,
      `Bearer ${token} extra`,
      `Bearer${token}`,
      `Token ${token}`,
      `Bearer ${token},Bearer ${token}`,
      "Bearer",
      "Bearer ",
      `${token}`,
    ]) {
      const res = await client(f.server.url).get("/api/v1/me", {
        headers: { authorization: header },
      });
      assert.equal(res.status, 401, `${preview(header, 40)} answered ${res.status}`);
      assert.equal(errorBodyProblem(res.status, res.body), undefined);
    }
  });

  const malleable: string[] = [];

  it("10,000 random mutations of a valid token: none accepted by AuthService (in process)", async () => {
    const original = f.alice.token;
    let changed = 0;
    await fc.assert(
      fc.asyncProperty(
        mutationArbitrary({ aliceId: f.alice.id, bobId: f.bob.id, bobSession: f.bobSession }),
        async (mutations) => {
          const token = mutations.reduce((t, m) => applyMutation(t, m, f.bob.token), original);
          // Splicing can rebuild Bob's genuine token from its segments: that one is valid.
          if (token === original || token === f.bob.token) return true;
          changed += 1;
          let accepted = false;
          try {
            await f.server.ctx.auth.authenticate(token);
            accepted = true;
          } catch (err) {
            if (!(err instanceof AppError) || err.status !== 401) {
              throw new Error(`refusal was not a 401 AppError: ${String(err)}`);
            }
          }
          if (!accepted) return true;
          // Accepting a re-spelling of the very same signed bytes is tracked separately
          // (see the non-canonical spelling test below); anything else accepted is a forgery.
          if (sameSignedBytes(token, original) || sameSignedBytes(token, f.bob.token)) {
            malleable.push(token);
            return true;
          }
          return false;
        },
      ),
      { numRuns: 10_000, seed: fuzzSeed(1) },
    );
    assert.ok(changed > 9_000, `only ${changed} mutations changed the token`);
  });

  it("a few hundred mutations over HTTP and the socket: none accepted", async () => {
    const original = f.alice.token;
    const arb = mutationArbitrary({
      aliceId: f.alice.id,
      bobId: f.bob.id,
      bobSession: f.bobSession,
    });
    const tokens = fc
      .sample(arb, { numRuns: 2_000, seed: fuzzSeed(2) })
      .map((ms) => ms.reduce((t, m) => applyMutation(t, m, f.bob.token), original))
      .filter(
        (t) =>
          !sameSignedBytes(t, original) && t !== f.bob.token && !sameSignedBytes(t, f.bob.token),
      );
    const overHttp = tokens.filter(headerSafe).slice(0, 300);
    const overSocket = tokens.filter(uriSafe).slice(0, 200);
    assert.equal(overHttp.length, 300);
    assert.equal(overSocket.length, 200);

    const restFailures = (
      await mapLimit(overHttp, 16, async (token) => {
        const res = await client(f.server.url).get("/api/v1/me", { token });
        const problem =
          res.status === 401 ? errorBodyProblem(res.status, res.body) : `status ${res.status}`;
        return problem ? `${preview(token, 80)}: ${problem}` : undefined;
      })
    ).filter((x) => x !== undefined);
    assert.deepEqual(restFailures, []);

    const socketFailures = (
      await mapLimit(overSocket, 8, async (token) => {
        const outcome = await attemptSocket(socketUrl(f.server.url, token));
        const ok =
          outcome.opened &&
          outcome.code === 4401 &&
          !outcome.frames.some((frame) => frame.type === "ready");
        return ok
          ? undefined
          : `${preview(token, 80)}: opened=${outcome.opened} status=${outcome.status} code=${outcome.code}`;
      })
    ).filter((x) => x !== undefined);
    assert.deepEqual(socketFailures, []);

    // The genuine token still works afterwards: the refusals were about the tokens.
    assert.equal((await client(f.server.url).get("/api/v1/me", { token: original })).status, 200);
  });

  it("refuses a non-canonical spelling of a valid token's signature", async () => {
    // RFC 7515 base64url has no padding, whitespace or non-zero trailing bits; jose 6 on
    // Node 20 decodes the signature with atob(), which tolerates all three, so the same
    // signature can be spelled many ways and each spelling is accepted as a token.
    const original = f.alice.token;
    const [h, p, s] = original.split(".") as [string, string, string];
    const last = BASE64URL.indexOf(s.at(-1) as string);
    const variants: [string, string][] = [
      [
        "last signature character with its unused low bit flipped",
        `${h}.${p}.${s.slice(0, -1)}${BASE64URL[last ^ 1]}`,
      ],
      ["signature padded with '='", `${h}.${p}.${s}=`],
      ["whitespace inside the signature", `${h}.${p}.${s.slice(0, 10)} ${s.slice(10)}`],
      ["newline after the signature", `${h}.${p}.${s}\n`],
    ];
    const accepted: string[] = [];
    for (const [name, token] of variants) {
      const inProcess = await f.server.ctx.auth.authenticate(token).then(
        () => true,
        () => false,
      );
      if (inProcess) accepted.push(`in process: ${name}`);
      if (headerSafe(token)) {
        const res = await client(f.server.url).get("/api/v1/me", { token });
        if (res.status === 200) accepted.push(`REST: ${name}`);
      }
      const outcome = await attemptSocket(socketUrl(f.server.url, token));
      if (outcome.frames.some((frame) => frame.type === "ready")) accepted.push(`socket: ${name}`);
    }
    for (const token of malleable.slice(0, 5))
      accepted.push(`property found: …${JSON.stringify(token.slice(-50))}`);
    if (malleable.length > 5) accepted.push(`and ${malleable.length - 5} more from the property`);
    assert.deepEqual(accepted, [], `accepted re-spellings of one token:\n${accepted.join("\n")}`);
  });
});
