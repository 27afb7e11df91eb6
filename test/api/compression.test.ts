/**
 * Compressed answers, read as raw bytes over real HTTP (fetch would decode them): the web
 * app's files as the .br/.gz the build wrote, API JSON of 1 KB or more compressed on the
 * fly, and identity for a client that asks for nothing, for answers holding tokens, for
 * files and byte ranges, and for the metrics.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { isUncompressedRoute } from "../../src/http/compression.js";
import { WEB_ROOT } from "../../src/http/web-app.js";
import { createGroup, sendMany } from "../helpers/chat.js";
import { forEachEngine } from "../helpers/engines.js";
import { createUser, DEFAULT_TEST_PASSWORD, type TestUser } from "../helpers/factories.js";
import type { TestServer } from "../helpers/server.js";

interface Raw {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

function raw(
  baseUrl: string,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: Buffer | string } = {},
): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      new URL(path, baseUrl),
      { method: options.method ?? "GET", headers: options.headers ?? {} },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("error", reject);
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
          }),
        );
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
}

function decode(res: Raw): Buffer {
  const encoding = res.headers["content-encoding"];
  if (encoding === "br") return brotliDecompressSync(res.body);
  if (encoding === "gzip") return gunzipSync(res.body);
  assert.equal(encoding, undefined, `unexpected encoding ${encoding}`);
  return res.body;
}

function varies(res: Raw): boolean {
  return /accept-encoding/i.test(String(res.headers.vary ?? ""));
}

describe("compression of the web app's files", () => {
  it("the build wrote a .br and a .gz beside the script, the styles and the page", () => {
    const assets = readdirSync(join(WEB_ROOT, "assets"));
    for (const ext of [".js", ".css"]) {
      const file = assets.find((name) => name.endsWith(ext));
      assert.ok(file, `a ${ext} asset`);
      assert.ok(assets.includes(`${file}.br`) && assets.includes(`${file}.gz`), file);
    }
    const root = readdirSync(WEB_ROOT);
    assert.ok(root.includes("index.html.br") && root.includes("index.html.gz"));
  });

  it("names the routes that never compress", () => {
    for (const url of [
      "/api/v1/auth/login",
      "/api/v1/auth/register",
      "/api/v1/auth/password",
      "/api/v1/socket-ticket",
      "/api/v1/admin/invites",
      "/api/v1/admin/users/:id/reset-password",
      "/api/v1/attachments/:id",
      "/api/v1/attachments/:id/thumbnail",
      "/api/v1/conversations/:id/attachments",
    ]) {
      assert.equal(isUncompressedRoute(url), true, url);
    }
    for (const url of ["/api/v1/conversations", "/api/v1/conversations/:id/messages"]) {
      assert.equal(isUncompressedRoute(url), false, url);
    }
  });
});

forEachEngine("compressed answers", ({ start }) => {
  let server: TestServer;
  let alice: TestUser;
  let conversationId: string;

  before(async () => {
    server = await start({ rate_limit: { enabled: false } });
    alice = await createUser(server.url);
    const bob = await createUser(server.url);
    conversationId = (await createGroup(server.url, alice, [bob])).id;
    await sendMany(server.url, alice, conversationId, 30, "a message long enough to add up");
  });
  after(() => server.stop());

  const auth = () => ({ authorization: `Bearer ${alice.token}` });

  it("sends the script and the page as brotli or gzip, and as they are to a plain client", async () => {
    const script = readdirSync(join(WEB_ROOT, "assets")).find((name) => name.endsWith(".js"));
    for (const [path, file] of [
      [`/assets/${script}`, join(WEB_ROOT, "assets", String(script))],
      ["/", join(WEB_ROOT, "index.html")],
    ] as const) {
      const original = readFileSync(file);
      for (const encoding of ["br", "gzip"]) {
        const res = await raw(server.url, path, { headers: { "accept-encoding": encoding } });
        assert.equal(res.status, 200);
        assert.equal(res.headers["content-encoding"], encoding, path);
        assert.ok(varies(res), `${path} varies by Accept-Encoding`);
        assert.ok(res.body.length < original.length);
        assert.deepEqual(decode(res), original);
      }
      const plain = await raw(server.url, path);
      assert.equal(plain.headers["content-encoding"], undefined);
      assert.deepEqual(plain.body, original);
    }
  });

  it("compresses a JSON answer over 1 KB, decoding to the same bytes as the plain one", async () => {
    const path = `/api/v1/conversations/${conversationId}/messages?limit=30`;
    const plain = await raw(server.url, path, { headers: auth() });
    assert.equal(plain.status, 200);
    assert.equal(plain.headers["content-encoding"], undefined);
    assert.ok(plain.body.length > 1024, `${plain.body.length} bytes`);
    for (const encoding of ["br", "gzip"]) {
      const res = await raw(server.url, path, {
        headers: { ...auth(), "accept-encoding": `${encoding}, identity` },
      });
      assert.equal(res.status, 200);
      assert.equal(res.headers["content-encoding"], encoding);
      assert.ok(varies(res));
      assert.ok(res.body.length < plain.body.length);
      assert.deepEqual(JSON.parse(decode(res).toString("utf8")), JSON.parse(plain.body.toString()));
    }
  });

  it("leaves a small answer as it is", async () => {
    const res = await raw(server.url, "/api/v1/me", {
      headers: { ...auth(), "accept-encoding": "br, gzip" },
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers["content-encoding"], undefined);
  });

  it("never compresses an answer that holds a token", async () => {
    const res = await raw(server.url, "/api/v1/auth/login", {
      method: "POST",
      headers: { "content-type": "application/json", "accept-encoding": "br, gzip" },
      body: JSON.stringify({ username: alice.username, password: DEFAULT_TEST_PASSWORD }),
    });
    assert.equal(res.status, 200, res.body.toString());
    assert.equal(res.headers["content-encoding"], undefined);
    assert.ok(JSON.parse(res.body.toString()).token);
  });

  it("sends files and byte ranges as stored", async () => {
    const bytes = Buffer.from("plain text that would compress well. ".repeat(200));
    const form = new FormData();
    form.append("file", new Blob([new Uint8Array(bytes)], { type: "text/plain" }), "notes.txt");
    const uploaded = await fetch(
      `${server.url}/api/v1/conversations/${conversationId}/attachments`,
      { method: "POST", headers: auth(), body: form },
    );
    assert.equal(uploaded.status, 201);
    const { id } = (await uploaded.json()) as { id: string };
    const whole = await raw(server.url, `/api/v1/attachments/${id}`, {
      headers: { ...auth(), "accept-encoding": "br, gzip" },
    });
    assert.equal(whole.status, 200);
    assert.equal(whole.headers["content-encoding"], undefined);
    assert.deepEqual(whole.body, bytes);
    const part = await raw(server.url, `/api/v1/attachments/${id}`, {
      headers: { ...auth(), "accept-encoding": "br, gzip", range: "bytes=10-2009" },
    });
    assert.equal(part.status, 206);
    assert.equal(part.headers["content-encoding"], undefined);
    assert.deepEqual(part.body, bytes.subarray(10, 2010));
  });

  it("leaves the metrics as they are", async () => {
    const res = await raw(server.url, "/metrics", { headers: { "accept-encoding": "br, gzip" } });
    assert.equal(res.headers["content-encoding"], undefined);
  });
});
