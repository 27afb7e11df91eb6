/**
 * Socket tickets (/socket?ticket=) get the forged-token treatment: a ticket that is
 * unsigned, signed with the wrong key, shaped like an access token, expired, not yet
 * valid, or bound to a session that is missing, revoked or someone else's closes the
 * socket with 4401. A ticket is no access token, a valid ?token= beside a forged ticket
 * does not rescue it, and a genuine ticket opens exactly one socket.
 */
import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { decodeJwt } from "jose";
import { client } from "../helpers/http.js";
import { socketUrl } from "../helpers/socket.js";
import {
  AUD,
  type Fixture,
  handmade,
  hmac,
  type Json,
  socketRefusal,
  startJwtFixture,
} from "./jwt-forgery-fixture.js";
import { attemptSocket } from "./support.js";

describe("security: forged socket tickets", () => {
  let f: Fixture;

  before(async () => {
    f = await startJwtFixture();
  });

  after(async () => {
    await f?.server.stop();
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
});
