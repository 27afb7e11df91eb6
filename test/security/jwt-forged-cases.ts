/**
 * The catalogue of forged access tokens: alg "none" and its spellings, wrong and
 * almost-right keys, algorithm swaps and key confusion, keys and key URLs carried by the
 * token, claims that must fail under the right secret, sessions that do not exist or have
 * ended, and broken structure. The attacker's RSA key and JWKS server let the tests check
 * that a token never makes the server trust or fetch a key it names.
 */
import {
  createPrivateKey,
  sign as cryptoSign,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  randomUUID,
} from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { SignJWT, UnsecuredJWT } from "jose";
import { testSecret } from "../helpers/server.js";
import {
  AUD,
  b64,
  claims,
  type Fixture,
  HS256,
  handmade,
  hmac,
  ISS,
  type Json,
} from "./jwt-forgery-fixture.js";

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

export interface ForgedCase {
  name: string;
  token: string;
  /** 401 unless said otherwise. */
  status?: 401 | 403;
  /** The exact catalogue code, where only one is right. */
  code?: string;
}

export interface Attacker {
  jwks: { url: string; hits: () => number; close: () => Promise<void> };
  rsa: { privateKey: KeyObject; publicJwk: Json };
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

export async function startAttacker(): Promise<Attacker> {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const publicJwk = {
    ...(publicKey.export({ format: "jwk" }) as Json),
    kid: "attacker",
    alg: "RS256",
  };
  const jwks = await startJwksServer(publicJwk);
  return {
    jwks,
    rsa: {
      privateKey: createPrivateKey(privateKey.export({ format: "pem", type: "pkcs8" })),
      publicJwk,
    },
  };
}

export async function forgedCases(f: Fixture, attacker: Attacker): Promise<ForgedCase[]> {
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
      token: handmade({ alg: "RS256", typ: "JWT" }, good, rsa(attacker.rsa.privateKey)),
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
        { alg: "RS256", typ: "JWT", jwk: attacker.rsa.publicJwk },
        good,
        rsa(attacker.rsa.privateKey),
      ),
    },
    {
      name: "jku header pointing at an attacker JWKS",
      token: handmade(
        { alg: "RS256", typ: "JWT", jku: attacker.jwks.url, kid: "attacker" },
        good,
        rsa(attacker.rsa.privateKey),
      ),
    },
    {
      name: "jku header with HS256 and an attacker key",
      token: handmade({ ...HS256, jku: attacker.jwks.url }, good, hmac(attackerSecret)),
    },
    {
      name: "x5u header pointing at an attacker URL",
      token: handmade(
        { alg: "RS256", typ: "JWT", x5u: attacker.jwks.url },
        good,
        rsa(attacker.rsa.privateKey),
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
