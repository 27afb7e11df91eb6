/**
 * Hostile clients at the socket's door and inside it: an upgrade with thousands of
 * headers, a huge subprotocol header, handshakes that never finish (slowloris), and a
 * socket sending ten thousand frames a second. Each is refused or cut off; the server's
 * memory stays bounded and everyone else keeps chatting. (A client that stops reading is
 * covered by test/realtime/safety.test.ts.)
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { type Socket, connect as tcpConnect } from "node:net";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { createDirect } from "../helpers/chat.js";
import { createUser, type TestUser } from "../helpers/factories.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { connect, sleep } from "../helpers/socket.js";

const WS_PACKAGE = fileURLToPath(new URL("../../node_modules/ws/package.json", import.meta.url));
/** Memory growth tolerated across the whole hostile run (a bound, not a timing). */
const MAX_RSS_GROWTH_MB = 64;

function rssMb(): number {
  const line = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync("/proc/self/status", "utf8"));
  assert.ok(line?.[1], "VmRSS in /proc/self/status");
  return Number(line[1]) / 1024;
}

interface RawOutcome {
  /** The status line the server answered with, if any. */
  statusLine?: string;
  /** The server closed (or reset) the connection. */
  closed: boolean;
  /** Everything the server sent. */
  received: string;
}

/** Writes `head` over plain TCP; resolves once the server answers and closes, or after `settleMs`. */
function rawHandshake(port: number, head: string, settleMs = 5000): Promise<RawOutcome> {
  return new Promise((resolve) => {
    const socket = tcpConnect(port, "127.0.0.1");
    let received = "";
    const finish = (closed: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      const statusLine = received.split("\r\n")[0];
      resolve({ closed, received, ...(statusLine ? { statusLine } : {}) });
    };
    const timer = setTimeout(() => finish(false), settleMs);
    socket.on("data", (chunk: Buffer) => {
      received += chunk.toString("latin1");
    });
    socket.on("error", () => {});
    socket.on("close", () => finish(true));
    socket.write(head);
  });
}

function upgradeHead(path: string, headers: string[]): string {
  return `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${headers.join("\r\n")}\r\n\r\n`;
}

const WS_HEADERS = [
  "Upgrade: websocket",
  "Connection: Upgrade",
  "Sec-WebSocket-Version: 13",
  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
];

/**
 * A slowloris: the start of an upgrade, then a byte per 100 ms, then silence. `closed`
 * gives the status line the server sent before closing, if any.
 */
function slowloris(port: number, path: string): { socket: Socket; closed: Promise<string> } {
  const socket = tcpConnect(port, "127.0.0.1");
  let answer = "";
  socket.on("error", () => {});
  // Reading is what lets the socket see the server's FIN, and so close.
  socket.on("data", (chunk: Buffer) => {
    answer += chunk.toString("latin1");
  });
  const closed = new Promise<string>((resolve) =>
    socket.on("close", () => resolve(answer.split("\r\n")[0] ?? "")),
  );
  socket.once("connect", async () => {
    socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n`);
    for (const byte of "X-Slow: abcdef") {
      if (socket.destroyed) return;
      socket.write(byte);
      await sleep(100);
    }
  });
  return { socket, closed };
}

describe("security: hostile handshakes and floods", () => {
  let server: TestServer;
  let alice: TestUser;
  let bob: TestUser;
  let conversation: string;
  let rssBefore: number;

  before(async () => {
    server = await startTestServer();
    alice = await createUser(server.url);
    bob = await createUser(server.url);
    conversation = (await createDirect(server.url, alice, bob)).id;
    rssBefore = rssMb();
  });

  after(async () => {
    await server?.stop();
  });

  /** Proves the server still serves: a fresh pair of sockets exchange a message. */
  async function stillChats(text: string): Promise<void> {
    const a = await connect(server.url, alice.token);
    const b = await connect(server.url, bob.token);
    a.send({ type: "message.send", id: text, conversation_id: conversation, body: text });
    assert.equal((await a.next((f) => f.type === "ack" && f.id === text)).message.body, text);
    assert.equal((await b.next((f) => f.type === "message.new")).message.body, text);
    await Promise.all([a.close(), b.close()]);
  }

  it("runs a ws release with the header-count fix (>= 8.17.1)", () => {
    const { version } = JSON.parse(readFileSync(WS_PACKAGE, "utf8")) as { version: string };
    const [major = 0, minor = 0, patch = 0] = version.split(".").map((n) => Number.parseInt(n, 10));
    const atLeast = major > 8 || (major === 8 && (minor > 17 || (minor === 17 && patch >= 1)));
    assert.ok(atLeast, `ws ${version} is older than 8.17.1`);
  });

  it("refuses an upgrade with 2,000 headers past the header size limit (431)", async () => {
    const filler = Array.from({ length: 2000 }, (_, i) => `X-Filler-${i}: ${"v".repeat(8)}`);
    const outcome = await rawHandshake(
      server.port,
      upgradeHead(`/socket?token=${alice.token}`, [...WS_HEADERS, ...filler]),
    );
    assert.match(outcome.statusLine ?? "", /^HTTP\/1\.1 431 /);
    assert.ok(outcome.closed);
    await stillChats("after 2,000 headers");
  });

  it("survives more headers than Node keeps, with the WebSocket key past the cut", async () => {
    // Small enough to fit the 16 KiB limit however Node counts it (one short name, said
    // 2,100 times), so Node keeps the first 2,000 and drops the rest (the key among them):
    // the case ws < 8.17.1 crashed on.
    const filler = Array.from({ length: 2100 }, () => "h: x");
    const [upgrade, connection, ...rest] = WS_HEADERS;
    const outcome = await rawHandshake(
      server.port,
      upgradeHead(`/socket?token=${alice.token}`, [
        upgrade as string,
        connection as string,
        ...filler,
        ...rest,
      ]),
    );
    assert.ok(outcome.closed, "the connection was closed");
    // Node 20 keeps 2,000 headers, so the key is missing (400); newer Node releases refuse
    // that many headers outright (431). Either way, in the JSON error shape.
    const status = /^HTTP\/1\.1 (\d{3}) /.exec(outcome.statusLine ?? "")?.[1];
    const expected: Record<string, string> = {
      "400": "invalid_request",
      "431": "headers_too_large",
    };
    assert.ok(status && status in expected, `refused with 400 or 431, got ${outcome.statusLine}`);
    assert.match(outcome.received, new RegExp(`"code":"${expected[status]}"`));
    await stillChats("after the header cut");
  });

  it("refuses a 32 KB Sec-WebSocket-Protocol header (431)", async () => {
    const protocols = Array.from({ length: 4096 }, (_, i) => `proto${i}`).join(",");
    assert.ok(protocols.length >= 32 * 1024);
    const outcome = await rawHandshake(
      server.port,
      upgradeHead(`/socket?token=${alice.token}`, [
        ...WS_HEADERS,
        `Sec-WebSocket-Protocol: chat.v1,${protocols}`,
      ]),
    );
    assert.match(outcome.statusLine ?? "", /^HTTP\/1\.1 431 /);
    assert.ok(outcome.closed);
    await stillChats("after a huge subprotocol header");
  });

  it("outlasts handshakes that never finish: others chat meanwhile, the stalled ones are closed", {
    timeout: 120_000,
  }, async () => {
    const stalled = Array.from({ length: 50 }, () => slowloris(server.port, "/socket"));
    await sleep(2000);
    assert.ok(
      stalled.every((s) => !s.socket.destroyed),
      "still open while trickling",
    );
    await stillChats("beside 50 stalled handshakes");
    // The server's request timeout (30 s, checked every 30 s) ends them; the test's own
    // timeout bounds the wait.
    for (const status of await Promise.all(stalled.map((s) => s.closed)))
      assert.match(status, /^(HTTP\/1\.1 408 |$)/, "a 408 or a bare close");
    await stillChats("after the stalled handshakes were closed");
  });

  it("throttles a socket sending 10,000 frames a second, then closes it with 1008", async () => {
    const flooder = await connect(server.url, alice.token);
    const bystander = await connect(server.url, bob.token);
    let sent = 0;
    while (sent < 10_000 && flooder.ws.readyState === flooder.ws.OPEN) {
      for (let i = 0; i < 100; i++) flooder.send({ type: "ping", id: sent++ });
      await sleep(10);
    }
    const closed = await flooder.closed;
    assert.equal(closed.code, 1008);
    assert.ok(
      flooder.frames.some((f) => f.type === "error" && f.code === "rate_limited"),
      "throttled before being closed",
    );
    const other = await connect(server.url, alice.token);
    other.send({ type: "message.send", id: "calm", conversation_id: conversation, body: "calm" });
    assert.equal((await bystander.next((f) => f.type === "message.new")).message.body, "calm");
    await Promise.all([other.close(), bystander.close()]);
  });

  it("keeps its memory bounded through all of the above", () => {
    const growth = rssMb() - rssBefore;
    assert.ok(growth < MAX_RSS_GROWTH_MB, `RSS grew by ${growth.toFixed(1)} MB`);
  });
});
