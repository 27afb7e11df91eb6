/**
 * What the forged-token tests share: one server with the current and a previous JWT secret,
 * Alice and Bob signed in, a revoked session, a disabled account and a session that expired
 * in the database; plus hand-built compact JWS tokens (for what jose refuses to produce) and
 * the check that a socket upgrade completes and then closes with 4401.
 */
import assert from "node:assert/strict";
import { createHmac, randomUUID } from "node:crypto";
import { decodeJwt } from "jose";
import { createUser, type TestUser } from "../helpers/factories.js";
import { client } from "../helpers/http.js";
import { startTestServer, type TestServer, testSecret } from "../helpers/server.js";
import { attemptSocket } from "./support.js";

export const ISS = "private-chat";
export const AUD = "private-chat";
export const BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

export type Json = Record<string, unknown>;

export function b64(value: unknown): string {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return Buffer.from(text, "utf8").toString("base64url");
}

/** A compact JWS built by hand: `header` and `payload` are objects or raw JSON text. */
export function handmade(
  header: unknown,
  payload: unknown,
  signer: (input: string) => string = () => "",
): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${signer(input)}`;
}

export const hmac =
  (key: string | Uint8Array, digest: "sha256" | "sha384" | "sha512" = "sha256") =>
  (input: string) =>
    createHmac(digest, key).update(input).digest("base64url");

export interface Fixture {
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
}

export function claims(f: Fixture, overrides: Json = {}, drop: string[] = []): Json {
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

export const HS256 = { alg: "HS256", typ: "JWT" };

export async function startJwtFixture(): Promise<Fixture> {
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
  return {
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
  };
}

export async function socketRefusal(url: string, protocols?: string[]) {
  const outcome = await attemptSocket(url, protocols);
  assert.ok(outcome.opened || !outcome.clientError, `client error: ${outcome.clientError}`);
  assert.ok(
    !outcome.frames.some((frame) => frame.type === "ready"),
    "the socket got a ready frame",
  );
  assert.equal(outcome.opened, true, `the upgrade did not complete (status ${outcome.status})`);
  assert.equal(outcome.code, 4401, `closed with ${outcome.code} ${outcome.reason}`);
}
