/**
 * Per-person socket caps: how many sockets one account may hold open (4429 past the
 * cap, however the sockets were opened), and how many handshakes one address may make
 * (429 with Retry-After, before the token is looked at). Real servers and sockets on
 * both engines; the PostgreSQL pass shares its counts through Redis.
 */
import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import { after, before, it } from "node:test";
import { closeCodeCatalogue } from "@private-chat/protocol/close-codes";
import { ChatSocket, type WebSocketFactory } from "@private-chat/sdk";
import WebSocket from "ws";
import { clientAddress, compileTrust } from "../../src/realtime/client-address.js";
import { addressKey } from "../../src/realtime/handshake-limit.js";
import { forEachEngine } from "../helpers/engines.js";
import { createUser, type TestUser } from "../helpers/factories.js";
import { client } from "../helpers/http.js";
import type { TestServer } from "../helpers/server.js";
import { attempt, connect, sleep, socketUrl, type TestSocket } from "../helpers/socket.js";

const CAP_CODE = closeCodeCatalogue.tooManySockets.code;

async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** A handshake's HTTP answer when it is refused before the upgrade. */
function handshakeAnswer(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; retryAfter?: string; body: string } | "upgraded"> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once("unexpected-response", (_req, res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => {
        body += chunk.toString();
      });
      res.on("end", () => {
        resolve({ status: res.statusCode ?? 0, retryAfter: res.headers["retry-after"], body });
        ws.terminate();
      });
    });
    ws.once("upgrade", () => {
      resolve("upgraded");
      ws.terminate();
    });
    ws.once("error", (err) => {
      if (!err.message.includes("Unexpected server response")) reject(err);
    });
  });
}

async function login(baseUrl: string, user: TestUser): Promise<string> {
  const res = await client(baseUrl).post("/api/v1/auth/login", {
    username: user.username,
    password: user.password,
  });
  assert.equal(res.status, 200);
  return res.body.token;
}

async function ticket(baseUrl: string, token: string): Promise<string> {
  const res = await client(baseUrl).post("/api/v1/socket-ticket", undefined, { token });
  assert.equal(res.status, 200);
  return res.body.ticket;
}

forEachEngine("open sockets per account", { redis: true }, ({ start }) => {
  let server: TestServer;
  before(async () => {
    server = await start({
      limits: { sockets_per_user: 3 },
      rate_limit: { socket_handshake_burst: 1000 },
    });
  });
  after(() => server.stop());

  it("closes the socket past the cap with 4429, and takes one again once a slot is free", async () => {
    const user = await createUser(server.url);
    const other = await createUser(server.url);
    const open: TestSocket[] = [];
    for (let i = 0; i < 3; i++) {
      const outcome = await attempt(server.url, user.token, i % 2 ? "protocol" : "query");
      assert.ok("open" in outcome, `socket ${i} opens`);
      open.push(outcome.open);
    }
    const refused = await attempt(server.url, user.token);
    assert.ok("closed" in refused);
    assert.equal(refused.closed.code, CAP_CODE);
    assert.match(refused.closed.reason, /too many sockets: this account already has 3 open/);
    // Someone else's sockets are not affected.
    const theirs = await attempt(server.url, other.token);
    assert.ok("open" in theirs);

    await open.pop()?.close();
    await until(() => server.ctx.hub.size === 3, "the closed socket to be released");
    const again = await attempt(server.url, user.token);
    assert.ok("open" in again, "a freed slot can be taken");
    for (const socket of [...open, again.open, theirs.open]) await socket.close();
    const metrics = await client(server.url).get("/metrics");
    assert.match(metrics.text, /chat_rate_limit_rejections_total\{limit="sockets_per_user"\} 1/);
  });

  it("counts every session, token form and ticket of the account together", async () => {
    const user = await createUser(server.url);
    const second = await login(server.url, user);
    const third = await login(server.url, user);
    const a = await attempt(server.url, user.token, "query");
    const b = await attempt(server.url, second, "protocol");
    const ws = new WebSocket(`${socketUrl(server.url)}?ticket=${await ticket(server.url, third)}`);
    const ready = await new Promise<boolean>((resolve) => {
      ws.once("message", () => resolve(true));
      ws.once("close", () => resolve(false));
    });
    assert.ok("open" in a && "open" in b && ready, "three sockets over three sessions");
    for (const token of [user.token, second, third]) {
      const refused = await attempt(server.url, token);
      assert.ok("closed" in refused && refused.closed.code === CAP_CODE, "each session is capped");
    }
    const viaTicket = new WebSocket(
      `${socketUrl(server.url)}?ticket=${await ticket(server.url, second)}`,
    );
    const code = await new Promise<number>((resolve) => viaTicket.once("close", resolve));
    assert.equal(code, CAP_CODE, "a ticket is capped too");
    ws.close();
    if ("open" in a) await a.open.close();
    if ("open" in b) await b.open.close();
  });

  it("makes the SDK wait at least the catalogue's delay after 4429, not retry at once", async () => {
    const user = await createUser(server.url);
    const held: TestSocket[] = [];
    for (let i = 0; i < 3; i++) {
      const outcome = await attempt(server.url, user.token);
      if ("open" in outcome) held.push(outcome.open);
    }
    let handshakes = 0;
    const Counting = class extends WebSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols);
        handshakes += 1;
      }
    };
    const socket = new ChatSocket({
      baseUrl: server.url,
      token: () => user.token,
      WebSocket: Counting as unknown as WebSocketFactory,
      // A backoff this short would retry dozens of times a second without the floor.
      backoff: { baseMs: 1, maxMs: 5 },
    });
    const states: { state: string; reason: string }[] = [];
    socket.on("state", (change) => states.push(change));
    socket.connect();
    await until(() => socket.state === "reconnecting", "the capped socket to be closed");
    assert.match(states.at(-1)?.reason ?? "", /4429: too many sockets/);
    await sleep(500);
    assert.equal(handshakes, 1, "no second handshake within the minimum delay");
    // Freed slot: the application may ask for the reconnect now.
    await held.pop()?.close();
    await until(() => server.ctx.hub.size <= 2, "the slot to be released");
    socket.reconnectNow();
    await until(() => socket.state === "open", "the SDK to reconnect");
    assert.equal(handshakes, 2);
    socket.close();
    for (const s of held) await s.close();
  });

  it("lets no more than the cap through when many handshakes race", async () => {
    const user = await createUser(server.url);
    const outcomes = await Promise.all(
      Array.from({ length: 12 }, () => attempt(server.url, user.token)),
    );
    const opened = outcomes.filter((o) => "open" in o);
    const refused = outcomes.filter((o) => "closed" in o);
    assert.equal(opened.length, 3);
    assert.equal(refused.length, 9);
    for (const o of refused) if ("closed" in o) assert.equal(o.closed.code, CAP_CODE);
    for (const o of opened) if ("open" in o) await o.open.close();
  });

  it("frees the slots of sockets the server closed (sign-out)", async () => {
    const user = await createUser(server.url);
    const sockets: TestSocket[] = [];
    for (let i = 0; i < 3; i++) {
      const outcome = await attempt(server.url, user.token);
      if ("open" in outcome) sockets.push(outcome.open);
    }
    assert.equal(sockets.length, 3);
    const logout = await client(server.url).post("/api/v1/auth/logout", undefined, {
      token: user.token,
    });
    assert.ok(logout.status < 300);
    for (const socket of sockets) assert.equal((await socket.closed).code, 4401);
    const fresh = await login(server.url, user);
    const sizeBefore = server.ctx.hub.size;
    await until(() => server.ctx.hub.size <= sizeBefore, "the closed sockets to be released");
    const outcomes = [];
    for (let i = 0; i < 3; i++) outcomes.push(await attempt(server.url, fresh));
    assert.ok(
      outcomes.every((o) => "open" in o),
      "all three slots came back",
    );
    for (const o of outcomes) if ("open" in o) await o.open.close();
  });
});

forEachEngine("socket handshakes per address", ({ start }) => {
  let server: TestServer;
  before(async () => {
    server = await start({
      server: { trust_proxy: ["127.0.0.1"] },
      rate_limit: { socket_handshake_burst: 3, socket_handshakes_per_second: 0.05 },
    });
  });
  after(() => server.stop());

  it("answers 429 with Retry-After past the budget, before the token is checked", async () => {
    const user = await createUser(server.url);
    const from = { "x-forwarded-for": "198.51.100.7" };
    for (let i = 0; i < 3; i++) {
      const socket = await connect(server.url, user.token, { headers: from });
      await socket.close();
    }
    const limited = await handshakeAnswer(socketUrl(server.url, user.token), from);
    assert.notEqual(limited, "upgraded");
    if (limited === "upgraded") return;
    assert.equal(limited.status, 429);
    assert.equal(JSON.parse(limited.body).error.code, "rate_limited");
    assert.ok(Number(limited.retryAfter) >= 1, `Retry-After: ${limited.retryAfter}`);
    // A bad token, no token, a bad since and a ticket are all refused the same way: the
    // budget is spent before any of them is looked at.
    for (const url of [
      socketUrl(server.url, "not-a-token"),
      socketUrl(server.url),
      `${socketUrl(server.url, user.token)}&since=-1`,
      `${socketUrl(server.url)}?ticket=forged`,
    ]) {
      const answer = await handshakeAnswer(url, from);
      assert.ok(answer !== "upgraded" && answer.status === 429, url);
    }
    const metrics = await client(server.url).get("/metrics");
    assert.match(metrics.text, /chat_rate_limit_rejections_total\{limit="socket_handshake"\} 5/);
  });

  it("keeps a budget per client address, as REST finds it behind a trusted proxy", async () => {
    const user = await createUser(server.url);
    for (let i = 0; i < 3; i++) {
      const headers = { "x-forwarded-for": "203.0.113.10" };
      await (await connect(server.url, user.token, { headers })).close();
    }
    const spent = await handshakeAnswer(socketUrl(server.url, user.token), {
      "x-forwarded-for": "203.0.113.10",
    });
    assert.ok(spent !== "upgraded" && spent.status === 429);
    // A proxy chain ending in the same client counts against the same budget...
    const chained = await handshakeAnswer(socketUrl(server.url, user.token), {
      "x-forwarded-for": "192.0.2.99, 203.0.113.10",
    });
    assert.ok(chained !== "upgraded" && chained.status === 429);
    // ...and another address has a budget of its own.
    const socket = await connect(server.url, user.token, {
      headers: { "x-forwarded-for": "203.0.113.11" },
    });
    await socket.close();
  });

  it("shares one budget among the addresses of one IPv6 /64", async () => {
    const user = await createUser(server.url);
    for (let i = 1; i <= 3; i++) {
      const headers = { "x-forwarded-for": `2001:db8:77:1::${i}` };
      await (await connect(server.url, user.token, { headers })).close();
    }
    const sameNetwork = await handshakeAnswer(socketUrl(server.url, user.token), {
      "x-forwarded-for": "2001:db8:77:1:ffff:1:2:3",
    });
    assert.ok(sameNetwork !== "upgraded" && sameNetwork.status === 429);
    const otherNetwork = await connect(server.url, user.token, {
      headers: { "x-forwarded-for": "2001:db8:77:2::1" },
    });
    await otherNetwork.close();
  });

  it("finds the client address the way trust_proxy's entries say", () => {
    const loopback = compileTrust(["loopback"]);
    for (const address of ["127.0.0.1", "127.9.9.9", "::1", "::ffff:127.0.0.1"])
      assert.ok(loopback(address), address);
    for (const address of ["10.0.0.1", "::2", "not an address", ""])
      assert.ok(!loopback(address), address);
    const ranges = compileTrust(["10.0.0.0/8", "fd00::/8", "192.0.2.1"]);
    assert.ok(ranges("10.200.0.1") && ranges("fd12::1") && ranges("192.0.2.1"));
    assert.ok(!ranges("11.0.0.1") && !ranges("fe80::1") && !ranges("192.0.2.2"));
    const request = (peer: string, forwarded?: string) =>
      ({
        socket: { remoteAddress: peer },
        headers: forwarded === undefined ? {} : { "x-forwarded-for": forwarded },
      }) as unknown as IncomingMessage;
    assert.equal(clientAddress(request("192.0.2.50", "1.1.1.1"), ranges), "192.0.2.50");
    assert.equal(clientAddress(request("10.0.0.1", "1.1.1.1, 10.0.0.2"), ranges), "1.1.1.1");
    assert.equal(clientAddress(request("10.0.0.1", "9.9.9.9, 1.1.1.1"), ranges), "1.1.1.1");
    assert.equal(clientAddress(request("10.0.0.1"), ranges), "10.0.0.1");
    assert.equal(clientAddress(request("10.0.0.1", "10.0.0.3, 10.0.0.2"), ranges), "10.0.0.3");
  });

  it("counts an IPv6 client by its /64", () => {
    assert.equal(addressKey("2001:db8:1:2:aaaa::1"), addressKey("2001:db8:1:2:bbbb:cc:dd:ee"));
    assert.notEqual(addressKey("2001:db8:1:2::1"), addressKey("2001:db8:1:3::1"));
    assert.equal(addressKey("2001:db8::1"), "2001:db8:0:0::/64");
    assert.equal(addressKey("::1"), "0:0:0:0::/64");
    assert.equal(addressKey("198.51.100.7"), "198.51.100.7");
    assert.equal(addressKey("::ffff:198.51.100.7"), "::ffff:198.51.100.7");
  });
});

forEachEngine("socket handshakes from an untrusted peer", ({ start }) => {
  let server: TestServer;
  before(async () => {
    server = await start({
      rate_limit: { socket_handshake_burst: 2, socket_handshakes_per_second: 0.05 },
    });
  });
  after(() => server.stop());

  it("ignores X-Forwarded-For, so a client cannot pick a fresh budget", async () => {
    const user = await createUser(server.url);
    for (let i = 0; i < 2; i++) {
      const headers = { "x-forwarded-for": `192.0.2.${i}` };
      await (await connect(server.url, user.token, { headers })).close();
    }
    const answer = await handshakeAnswer(socketUrl(server.url, user.token), {
      "x-forwarded-for": "192.0.2.200",
    });
    assert.ok(answer !== "upgraded" && answer.status === 429);
  });

  it("does not limit handshakes with [rate_limit] enabled = false", async () => {
    const open = await start({
      rate_limit: { enabled: false, socket_handshake_burst: 1, socket_handshakes_per_second: 0.05 },
      limits: { sockets_per_user: 1 },
    });
    try {
      const user = await createUser(open.url);
      for (let i = 0; i < 4; i++) {
        await (await connect(open.url, user.token)).close();
        await until(() => open.ctx.hub.size === 0, "the socket to be released");
      }
      // The socket cap is not a rate: it still holds.
      const first = await connect(open.url, user.token);
      const second = await attempt(open.url, user.token);
      assert.ok("closed" in second && second.closed.code === CAP_CODE);
      await first.close();
    } finally {
      await open.stop();
    }
  });
});
