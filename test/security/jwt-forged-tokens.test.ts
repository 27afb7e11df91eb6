/**
 * Forged and tampered access tokens: none may open a REST request (GET /api/v1/me answers
 * 401, or 403 for a disabled account) or a socket (the upgrade completes and closes with
 * 4401, never a ready frame), whether the token comes as ?token= or as a bearer
 * subprotocol. Hand-built tokens cover what jose refuses to produce; hand-built controls
 * under the right and the previous secret show the refusals are about the forgery.
 * Malformed Authorization headers around a valid token are refused too.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { AppError } from "../../src/errors.js";
import { client } from "../helpers/http.js";
import type { TestServer } from "../helpers/server.js";
import { socketUrl } from "../helpers/socket.js";
import { type Attacker, forgedCases, startAttacker } from "./jwt-forged-cases.js";
import {
  claims,
  type Fixture,
  HS256,
  handmade,
  hmac,
  socketRefusal,
  startJwtFixture,
} from "./jwt-forgery-fixture.js";
import { attemptSocket, errorBodyProblem, preview } from "./support.js";

// What ws lets a client put in Sec-WebSocket-Protocol (RFC 7230 tchar).
const SUBPROTOCOL_SAFE = /^[!#$%&'*+\-.0-9A-Z^_`|a-z~]+$/;

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

describe("security: forged access tokens", () => {
  let f: Fixture;
  let attacker: Attacker;

  before(async () => {
    f = await startJwtFixture();
    attacker = await startAttacker();
  });

  after(async () => {
    await attacker?.jwks.close();
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
    const cases = await forgedCases(f, attacker);
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
    assert.equal(attacker.jwks.hits(), 0, "the server fetched a key from a URL named in a token");
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
});
