/**
 * Request bodies that arrive slowly. An ordinary body has a deadline; an upload may take
 * as long as it keeps moving, so a large file on a slow link gets through while a stalled
 * one is cut off with nothing kept. Requests Node's parser refuses get our error format.
 * The bodies are written by hand on a TCP socket so their pace is the test's to choose.
 */
import assert from "node:assert/strict";
import { connect as tcpConnect } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createGroup } from "../helpers/chat.js";
import { createUser, type TestUser } from "../helpers/factories.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { sleep } from "../helpers/socket.js";
import { API, filesUnder } from "./support.js";

/** The deadline (and an upload's window) in these tests: short, so a stall shows quickly. */
const WINDOW_S = 1;

interface RawAnswer {
  status: number;
  body: any;
}

/**
 * Sends `head`, then each chunk after `pauseMs`, and returns the answer the server gave
 * (if any) once the server closes the connection. The client never half-closes: Node's
 * server takes that as an aborted request.
 */
function rawExchange(
  port: number,
  head: string,
  chunks: Buffer[],
  pauseMs: number,
): Promise<RawAnswer | undefined> {
  return new Promise((resolve) => {
    const socket = tcpConnect(port, "127.0.0.1");
    let received = Buffer.alloc(0);
    const finish = () => {
      const text = received.toString("utf8");
      const status = /^HTTP\/1\.1 (\d{3}) /.exec(text)?.[1];
      if (!status) return resolve(undefined);
      const body = text.slice(text.indexOf("\r\n\r\n") + 4);
      let parsed: unknown = body;
      try {
        parsed = JSON.parse(body);
      } catch {
        // the test's assertion shows the text
      }
      resolve({ status: Number(status), body: parsed });
    };
    socket.on("error", () => {});
    socket.on("data", (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
    });
    socket.on("close", finish);
    socket.once("connect", async () => {
      socket.write(head);
      for (const chunk of chunks) {
        if (socket.destroyed) return;
        await sleep(pauseMs);
        socket.write(chunk);
      }
    });
  });
}

function multipartParts(name: string, bytes: Buffer): { boundary: string; body: Buffer } {
  const boundary = "----chat-slow-body-test";
  const body = Buffer.concat([
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\n` +
        "Content-Type: application/octet-stream\r\n\r\n",
    ),
    bytes,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { boundary, body };
}

function split(bytes: Buffer, size: number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.subarray(at, at + size));
  return chunks;
}

describe("slow request bodies", { timeout: 60_000 }, () => {
  let server: TestServer;
  let alice: TestUser;
  let conversationId: string;

  before(async () => {
    server = await startTestServer({
      server: { request_body_timeout_seconds: WINDOW_S },
      rate_limit: { enabled: false },
    });
    const bob = await createUser(server.url);
    alice = await createUser(server.url);
    conversationId = (await createGroup(server.url, alice, [bob])).id;
  });
  after(() => server.stop());

  function uploadHead(length: number, boundary: string): string {
    return (
      `POST ${API}/conversations/${conversationId}/attachments HTTP/1.1\r\n` +
      "Host: 127.0.0.1\r\n" +
      `Authorization: Bearer ${alice.token}\r\n` +
      `Content-Type: multipart/form-data; boundary=${boundary}\r\n` +
      `Content-Length: ${length}\r\nConnection: close\r\n\r\n`
    );
  }

  it("takes an upload that lasts several windows while it keeps moving", async () => {
    const file = Buffer.alloc(1024 * 1024, 9);
    const { boundary, body } = multipartParts("slow.bin", file);
    // 128 KiB every 250 ms: four windows' worth of time, each window well above the pace.
    const answer = await rawExchange(
      server.port,
      uploadHead(body.length, boundary),
      split(body, 128 * 1024),
      250,
    );
    assert.equal(answer?.status, 201, JSON.stringify(answer));
    assert.equal(answer.body.size, file.length);
  });

  it("cuts off an upload that stalls, with request_timeout and nothing kept", async () => {
    const uploads = join(server.dir, "uploads");
    const before = filesUnder(uploads).sort();
    const { boundary, body } = multipartParts("stalled.bin", Buffer.alloc(512 * 1024, 3));
    // The first 16 KiB, then nothing: the rest never comes.
    const answer = await rawExchange(
      server.port,
      uploadHead(body.length, boundary),
      [body.subarray(0, 16 * 1024)],
      0,
    );
    assert.equal(answer?.status, 408, JSON.stringify(answer));
    assert.equal(answer.body.error.code, "request_timeout");
    // The temporary file goes once the handler sees the connection gone, just after.
    for (let tries = 0; tries < 100 && filesUnder(uploads).length > before.length; tries++) {
      await sleep(100);
    }
    assert.deepEqual(filesUnder(uploads).sort(), before, "nothing of the stalled upload is kept");
  });

  it("gives an ordinary body a deadline, whatever its pace", async () => {
    const json = Buffer.from(JSON.stringify({ body: "x".repeat(2000) }));
    // A byte every 100 ms of 2,000: moving, but far past the deadline.
    const answer = await rawExchange(
      server.port,
      `POST ${API}/conversations/${conversationId}/messages HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
        `Authorization: Bearer ${alice.token}\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${json.length}\r\nConnection: close\r\n\r\n`,
      split(json, 1),
      100,
    );
    assert.equal(answer?.status, 408, JSON.stringify(answer));
    assert.equal(answer.body.error.code, "request_timeout");
  });

  it("closes a connection whose refused body keeps trickling after the answer", async () => {
    // No token: refused at once, before the body is read. Node then discards the body
    // as it comes, which a client must not be able to stretch out for ever.
    const closed = rawExchange(
      server.port,
      `POST ${API}/conversations/${conversationId}/messages HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
        "Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n",
      Array.from({ length: 600 }, () => Buffer.from("x")),
      100,
    );
    const answer = await closed;
    assert.equal(answer?.status, 401, JSON.stringify(answer));
  });

  it("answers headers past the size limit with 431 headers_too_large", async () => {
    const answer = await rawExchange(
      server.port,
      `GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${"a".repeat(32 * 1024)}\r\n\r\n`,
      [],
      0,
    );
    assert.equal(answer?.status, 431, JSON.stringify(answer));
    assert.equal(answer.body.error.code, "headers_too_large");
  });

  it("answers a request that is not HTTP with 400 invalid_request", async () => {
    const answer = await rawExchange(server.port, "HELLO THERE\r\n\r\n", [], 0);
    assert.equal(answer?.status, 400, JSON.stringify(answer));
    assert.equal(answer.body.error.code, "invalid_request");
  });
});
