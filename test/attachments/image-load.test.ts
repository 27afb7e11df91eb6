/**
 * Image work under load, on both engines. Decoding shares libuv's thread pool with
 * password hashing: a full image queue refuses further images with 503 server_busy and
 * Retry-After (keeping nothing) while other files are still stored, and sign-in keeps
 * answering during a burst of hostile uploads (canvas bombs, too many frames, huge
 * declared sizes: each refused with 422 from its header) mixed with heavy legal ones.
 * Sign-in latency is measured idle and during the burst and reported as diagnostics; no
 * timing is asserted (the machine running the tests decides the figures).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, it } from "node:test";
import { sql } from "kysely";
import { imageQueue } from "../../src/attachments/image-queue.js";
import { createGroup } from "../helpers/chat.js";
import { forEachEngine } from "../helpers/engines.js";
import { createUser, type TestUser } from "../helpers/factories.js";
import { request } from "../helpers/http.js";
import type { TestServer } from "../helpers/server.js";
import { canvasBombGif, overLimitImages } from "./broken-images.js";
import { API, filesUnder, pngImage, upload } from "./support.js";

const SIGN_INS = 12;
const HEAVY = 2;

function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return Math.round(sorted[Math.floor((sorted.length - 1) * p)] ?? Number.NaN);
}

forEachEngine("attachments: image work under load", (run) => {
  let server: TestServer;
  let a: TestUser;
  let conversationId: string;

  before(async () => {
    server = await run.start({ rate_limit: { enabled: false } });
    a = await createUser(server.url);
    conversationId = (await createGroup(server.url, a, [])).id;
  });
  after(() => server.stop());

  const rows = async () =>
    Number(
      (
        await server.ctx.store.db
          .selectFrom("attachments")
          .select(sql<number>`count(*)`.as("n"))
          .executeTakeFirstOrThrow()
      ).n,
    );

  it("refuses images with 503 server_busy and Retry-After while the queue is full, keeping nothing", async () => {
    // Fill every slot and every waiting place with jobs the test holds open.
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const holders = Array.from({ length: imageQueue.jobs + imageQueue.maxWaiting }, () =>
      imageQueue.run(() => held),
    );
    try {
      const [rowsBefore, diskBefore] = [await rows(), filesUnder(join(server.dir, "uploads"))];
      for (const bytes of [await pngImage(), canvasBombGif(2000, 2000, 15)]) {
        const res = await upload(server.url, a, conversationId, bytes, { name: "busy.png" });
        assert.equal(res.status, 503, res.text);
        assert.equal(res.body.error.code, "server_busy");
        assert.match(res.body.error.message, /try again in \d+ s/);
        assert.match(res.headers.get("retry-after") ?? "", /^\d+$/);
        assert.equal(await rows(), rowsBefore);
        assert.deepEqual(filesUnder(join(server.dir, "uploads")), diskBefore);
      }
      // Files that are not decoded never wait for the image queue.
      const text = await upload(server.url, a, conversationId, Buffer.from("notes\n"));
      assert.equal(text.status, 201, text.text);
    } finally {
      release();
      await Promise.all(holders);
    }
    const res = await upload(server.url, a, conversationId, await pngImage(), { name: "x.png" });
    assert.equal(res.status, 201, res.text);
  });

  it("keeps sign-in answering during a burst of hostile and heavy uploads (figures reported)", async (t) => {
    const signIn = async () => {
      const started = performance.now();
      const res = await request(server.url, "POST", `${API}/auth/login`, {
        body: { username: a.username, password: a.password },
      });
      assert.equal(res.status, 200, res.text);
      return performance.now() - started;
    };
    const idle: number[] = [];
    for (let i = 0; i < SIGN_INS; i++) idle.push(await signIn());

    // Attackers each send the hostile files one after another, together no more at once
    // than the image queue holds (so each is answered on its merits, never server_busy).
    const files = await overLimitImages();
    const hostile = [...files, ...files];
    const attackers = Math.min(4, imageQueue.jobs + imageQueue.maxWaiting - HEAVY);
    // Legal but costly: a 1,000 x 1,000 canvas in 30 frames is 30 megapixels to re-encode.
    const heavy = Array.from({ length: HEAVY }, () => canvasBombGif(1000, 1000, 30));
    let done = false;
    const started = performance.now();
    const hostileResults: { name: string; status: number; code?: string; text: string }[] = [];
    let next = 0;
    const attacker = async () => {
      for (let file = hostile[next++]; file; file = hostile[next++]) {
        const res = await upload(server.url, a, conversationId, file.bytes, { name: "h.gif" });
        hostileResults.push({
          name: file.name,
          status: res.status,
          code: res.body?.error?.code,
          text: res.text,
        });
      }
    };
    const burst = Promise.all([
      Promise.all(Array.from({ length: attackers }, attacker)),
      Promise.all(
        heavy.map((bytes) => upload(server.url, a, conversationId, bytes, { name: "heavy.gif" })),
      ),
    ]).finally(() => {
      done = true;
    });
    const during: number[] = [];
    while (!done || during.length === 0) during.push(await signIn());
    const [, heavyResults] = await burst;
    const burstMs = performance.now() - started;

    const figures = {
      engine: run.engine,
      idle_p50_ms: percentile(idle, 0.5),
      burst_p50_ms: percentile(during, 0.5),
      burst_p90_ms: percentile(during, 0.9),
      burst_max_ms: Math.round(Math.max(...during)),
      sign_ins_during_burst: during.length,
      hostile_uploads: hostile.length,
      attackers,
      heavy_uploads: heavy.length,
      heavy_statuses: heavyResults.map((res) => res.status).join(","),
      burst_ms: Math.round(burstMs),
    };
    t.diagnostic(`sign-in under image load: ${JSON.stringify(figures)}`);
    console.log(`sign-in under image load: ${JSON.stringify(figures)}`);

    assert.equal(hostileResults.length, hostile.length);
    for (const res of hostileResults) {
      assert.equal(res.status, 422, `${res.name}: ${res.text}`);
      assert.equal(res.code, "invalid_image", res.name);
    }
    for (const res of heavyResults) {
      assert.ok(res.status === 201 || res.status === 503, res.text);
      if (res.status === 503) assert.equal(res.body.error.code, "server_busy");
    }
  });
});
