import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import WebSocket from "ws";
import { forEachEngine } from "../helpers/engines.js";
import { createUser } from "../helpers/factories.js";
import { client } from "../helpers/http.js";
import type { TestServer } from "../helpers/server.js";
import { type Frame, socketUrl } from "../helpers/socket.js";

/** Opens /socket?ticket=... and reports the first frame, or how the socket closed. */
function openWithTicket(
  baseUrl: string,
  ticket: string,
): Promise<{ first?: Frame; code?: number }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${socketUrl(baseUrl)}?ticket=${encodeURIComponent(ticket)}`);
    ws.once("message", (data) => {
      resolve({ first: JSON.parse(data.toString()) as Frame });
      ws.close();
    });
    ws.once("close", (code) => resolve({ code }));
    ws.once("error", reject);
  });
}

forEachEngine("single-use socket tickets", { redis: true }, ({ start }) => {
  let server: TestServer;
  before(async () => {
    server = await start();
  });
  after(() => server.stop());

  it("opens a socket once per ticket, bound to the session that asked for it", async () => {
    const user = await createUser(server.url);
    const res = await client(server.url).post("/api/v1/socket-ticket", undefined, {
      token: user.token,
    });
    assert.equal(res.status, 200);
    assert.equal(res.body.expires_in, 30);
    const first = await openWithTicket(server.url, res.body.ticket);
    assert.equal(first.first?.type, "ready");
    assert.equal(first.first?.user.id, user.id);
    const again = await openWithTicket(server.url, res.body.ticket);
    assert.equal(again.code, 4401, "a ticket works once");
  });

  it("is neither an access token nor made from one, and dies with its session", async () => {
    const user = await createUser(server.url);
    const api = client(server.url);
    const { ticket } = (await api.post("/api/v1/socket-ticket", undefined, { token: user.token }))
      .body;
    assert.equal(
      (await api.get("/api/v1/me", { token: ticket })).status,
      401,
      "a ticket is no bearer token",
    );
    assert.equal(
      (await openWithTicket(server.url, user.token)).code,
      4401,
      "a bearer token is no ticket",
    );
    await api.post("/api/v1/auth/logout", undefined, { token: user.token });
    assert.equal((await openWithTicket(server.url, ticket)).code, 4401, "the session ended");
    assert.equal((await api.post("/api/v1/socket-ticket")).status, 401);
  });
});
