/**
 * Socket frames that must close the socket: an oversized frame (text or binary) with 1009,
 * a flood past the 256 frames a socket may have queued with 1008, and a text frame that is
 * not UTF-8 with 1007. After each, /health still answers and a new socket works.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { MAX_FRAME_BYTES } from "@private-chat/protocol/frames";
import type WebSocket from "ws";
import { startTestServer } from "../helpers/server.js";
import { connect, type TestSocket } from "../helpers/socket.js";
import { type Fixture, setUpFixture, stillServing } from "./fuzz-socket-fixture.js";

async function expectClose(socket: TestSocket, code: number, timeoutMs = 5000) {
  const closed = await Promise.race([
    socket.closed,
    new Promise<undefined>((r) => setTimeout(() => r(undefined), timeoutMs)),
  ]);
  assert.ok(closed, `the socket was not closed within ${timeoutMs} ms`);
  assert.equal(closed.code, code, `closed with ${closed.code} ${closed.reason}`);
}

describe("security: socket frames that close the socket", () => {
  let f: Fixture;

  before(async () => {
    const server = await startTestServer({ rate_limit: { enabled: false } });
    f = await setUpFixture(server);
  });

  after(async () => {
    await f?.server.stop();
  });

  it("an oversized frame closes the socket with 1009; a new socket works", async () => {
    for (const bytes of [MAX_FRAME_BYTES + 1, 4 * MAX_FRAME_BYTES]) {
      const socket = await connect(f.server.url, f.alice.token);
      socket.send(JSON.stringify({ type: "ping", id: "x".repeat(bytes) }));
      await expectClose(socket, 1009);
      const binary = await connect(f.server.url, f.alice.token);
      binary.ws.send(new Uint8Array(bytes), { binary: true });
      await expectClose(binary, 1009);
    }
    await stillServing(f);
  });

  it("a flood past 256 queued frames closes the socket with 1008; a new socket works", async () => {
    const socket = await connect(f.server.url, f.alice.token);
    const raw = socket.ws as WebSocket & { _socket: { cork(): void; uncork(): void } };
    raw._socket.cork();
    for (let i = 0; i < 400; i++) socket.send({ type: "typing", conversation_id: randomUUID() });
    raw._socket.uncork();
    await expectClose(socket, 1008);
    await stillServing(f);
  });

  it("a text frame that is not UTF-8 closes the socket with 1007; a new socket works", async () => {
    for (const bad of [
      [0xff],
      [0xc0, 0x80],
      [0xed, 0xa0, 0x80],
      [0x7b, 0xf4, 0x90, 0x80, 0x80, 0x7d],
    ]) {
      const socket = await connect(f.server.url, f.alice.token);
      socket.ws.send(Buffer.from(bad), { binary: false });
      await expectClose(socket, 1007);
    }
    await stillServing(f);
  });
});
