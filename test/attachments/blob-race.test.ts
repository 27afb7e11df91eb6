/**
 * Uploads of the same bytes raced against deletes of the message holding them, many
 * seeded rounds, on both engines and both blob stores (local disk, and an S3 bucket
 * served by s3rver). The store is content-addressed, so a delete's collection and a new
 * upload of the same content touch the same blob: whatever the interleaving, an
 * acknowledged upload must stay downloadable, deleted bytes must go once nothing refers
 * to them, and the quota must count exactly what is kept.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import type { AttachmentView } from "@private-chat/protocol/attachments";
import type { MessageView } from "@private-chat/protocol/chat";
import S3rver from "s3rver";
import { seededRandom } from "../../bench/fault/prng.js";
import type { ConfigOverrides } from "../../src/config/schema.js";
import { createGroup } from "../helpers/chat.js";
import { forEachEngine } from "../helpers/engines.js";
import { createUser, type TestUser } from "../helpers/factories.js";
import { client } from "../helpers/http.js";
import type { TestServer } from "../helpers/server.js";
import { API, download, filesUnder, pngImage, upload } from "./support.js";

/** Rounds per store and layout: a short run in `npm test`, longer ones by hand (README). */
const ROUNDS = Number(process.env.CHAT_TEST_RACE_ROUNDS ?? 30);
const SEED = 0x5eed_b10b;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let s3: S3rver | undefined;
let s3Endpoint = "";
const dirs: string[] = [];

before(async () => {
  const dir = mkdtempSync(join(tmpdir(), "chat-race-s3-"));
  dirs.push(dir);
  s3 = new S3rver({
    port: 0,
    address: "127.0.0.1",
    silent: true,
    directory: dir,
    configureBuckets: [0, 1, 2, 3, 4, 5].map((n) => ({ name: `race-${n}` })),
  });
  const { port } = await s3.run();
  s3Endpoint = `http://127.0.0.1:${port}`;
});
after(async () => {
  await s3?.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

let buckets = 0;
function s3Uploads(): ConfigOverrides["uploads"] {
  // Each server a bucket of its own, so "every object has a reference" sees only its own.
  const bucket = `race-${buckets++}`;
  return {
    store: "s3",
    s3_endpoint: s3Endpoint,
    s3_bucket: bucket,
    s3_access_key_id: "S3RVER",
    s3_secret_access_key: "S3RVER",
    s3_force_path_style: true,
  };
}

async function bucketNames(bucket: string): Promise<string[]> {
  const s3Client = new S3Client({
    endpoint: s3Endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
  });
  try {
    const names: string[] = [];
    let token: string | undefined;
    do {
      const page = await s3Client.send(
        new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }),
      );
      for (const item of page.Contents ?? []) if (item.Key) names.push(item.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return names;
  } finally {
    s3Client.destroy();
  }
}

/** Every blob name the database still refers to (any row: sent, unsent or awaiting). */
async function referencedBlobs(server: TestServer): Promise<Set<string>> {
  const rows = await server.ctx.store.db
    .selectFrom("attachments")
    .select(["blob", "thumbnail_blob"])
    .execute();
  const names = new Set<string>();
  for (const row of rows) {
    names.add(row.blob);
    if (row.thumbnail_blob) names.add(row.thumbnail_blob);
  }
  return names;
}

/** The blob names a store holds, from its object keys or file paths (the last segment). */
const lastSegment = (path: string) => path.split("/").pop() ?? path;

interface Acknowledged {
  view: AttachmentView;
  bytes: Buffer;
  uploader: TestUser;
}

forEachEngine(
  "uploads raced against deletes of the same bytes",
  { redis: true },
  ({ engine, start }) => {
    // On PostgreSQL also as a cluster: a second node, sharing the database, Redis and the
    // files, takes half the racing uploads while both collect.
    const layouts = engine === "postgres" ? [1, 2] : [1];
    for (const [store, nodes] of (["local", "s3"] as const).flatMap((s) =>
      layouts.map((n) => [s, n] as const),
    )) {
      describe(`[${store} store${nodes === 2 ? ", two nodes" : ""}]`, () => {
        let server: TestServer;
        let second: TestServer | undefined;
        /** Where the racing uploads go, in turn. */
        let racingUrls: string[] = [];
        let bucket = "";
        let api: ReturnType<typeof client>;
        let author: TestUser;
        let racer: TestUser;
        let conversationId: string;

        before(async () => {
          const uploads = store === "s3" ? s3Uploads() : undefined;
          bucket = uploads?.s3_bucket ?? "";
          server = await start({ rate_limit: { enabled: false }, ...(uploads ? { uploads } : {}) });
          racingUrls = [server.url, server.url];
          if (nodes === 2) {
            second = await start({
              rate_limit: { enabled: false },
              database: server.config.database,
              redis: server.config.redis,
              auth: { jwt_secret: server.config.auth.jwt_secret },
              uploads: uploads ?? { path: join(server.dir, "uploads") },
            });
            racingUrls = [second.url, server.url];
          }
          api = client(server.url);
          [author, racer] = await Promise.all([createUser(server.url), createUser(server.url)]);
          conversationId = (await createGroup(server.url, author, [racer])).id;
        });
        after(async () => {
          await second?.stop();
          await server?.stop();
        });

        it(`keeps every acknowledged upload through ${ROUNDS} seeded rounds`, async () => {
          const rng = seededRandom(SEED + (store === "s3" ? 1 : 0) + nodes * 2);
          const random = () => rng.next();
          const kept: Acknowledged[] = [];
          const deleted: AttachmentView[] = [];
          let raced = 0;
          for (let round = 0; round < ROUNDS; round++) {
            // Bytes new to this round, so that its delete is what may free their blob; one
            // round in four an image, whose thumbnail is a blob of its own.
            const bytes =
              random() < 0.25
                ? await pngImage(16 + round, 12 + Math.floor(random() * 40))
                : Buffer.from(
                    Array.from({ length: 64 + Math.floor(random() * 4096) }, () => random() * 256),
                  );
            const first = await upload(server.url, author, conversationId, bytes);
            assert.equal(first.status, 201, first.text);
            const sent = await api.post<MessageView>(
              `${API}/conversations/${conversationId}/messages`,
              { body: `round ${round}`, attachment_ids: [first.body.id] },
              { token: author.token },
            );
            assert.equal(sent.status, 201, sent.text);
            // The delete (and the collection it starts) and uploads of the same bytes, each
            // after a seeded delay of a few milliseconds.
            const deleteAfter = Math.floor(random() * 6);
            const uploadDelays = [Math.floor(random() * 6), Math.floor(random() * 6)];
            const [removed, ...uploads] = await Promise.all([
              sleep(deleteAfter).then(() =>
                api.delete(`${API}/messages/${sent.body.id}`, { token: author.token }),
              ),
              ...uploadDelays.map((delay, i) =>
                sleep(delay).then(() =>
                  upload(racingUrls[i] as string, racer, conversationId, bytes),
                ),
              ),
            ]);
            assert.equal(removed.status, 200, removed.text);
            deleted.push(first.body as AttachmentView);
            for (const result of uploads) {
              assert.equal(result.status, 201, result.text);
              kept.push({ view: result.body as AttachmentView, bytes, uploader: racer });
              raced++;
            }
            // Now and then the bytes' own message is deleted too, so a live blob loses its
            // last reference while other rounds upload it again.
            if (random() < 0.3) {
              const again = kept.splice(Math.floor(random() * kept.length), 1)[0];
              if (again) {
                const token = again.uploader.token;
                const carrier = await api.post<MessageView>(
                  `${API}/conversations/${conversationId}/messages`,
                  { body: "carry", attachment_ids: [again.view.id] },
                  { token },
                );
                assert.equal(carrier.status, 201, carrier.text);
                const gone = await api.delete(`${API}/messages/${carrier.body.id}`, { token });
                assert.equal(gone.status, 200, gone.text);
                deleted.push(again.view);
              }
            }
          }
          await second?.ctx.attachments.collect();
          await server.ctx.attachments.collect();

          // Every acknowledged upload still there downloads whole, with its own bytes...
          const lost: string[] = [];
          for (const { view, bytes, uploader } of kept) {
            const got = await download(server.url, uploader, `/attachments/${view.id}`);
            const whole = view.thumbnail ? got.bytes.length === view.size : got.bytes.equals(bytes);
            if (got.status !== 200 || !whole) lost.push(`${view.id}: ${got.status}`);
            if (view.thumbnail) {
              const thumb = await download(
                server.url,
                uploader,
                `/attachments/${view.id}/thumbnail`,
              );
              if (thumb.status !== 200) lost.push(`${view.id} thumbnail: ${thumb.status}`);
            }
          }
          assert.deepEqual(lost, [], `${lost.length} of ${kept.length} acknowledged uploads lost`);
          // ...every deleted one is gone...
          for (const view of deleted) {
            const got = await download(server.url, author, `/attachments/${view.id}`);
            assert.equal(got.status, 404);
          }
          // ...every stored blob has a reference, and every reference its blob...
          const referenced = await referencedBlobs(server);
          const stored =
            store === "s3"
              ? (await bucketNames(bucket)).map(lastSegment)
              : filesUnder(join(server.dir, "uploads", "blobs")).map(lastSegment);
          assert.deepEqual(new Set(stored), referenced);
          assert.equal(stored.length, referenced.size);
          // ...and each quota counts exactly the uploads kept.
          for (const user of [author, racer]) {
            const expected = kept
              .filter(({ uploader }) => uploader === user)
              .reduce((sum, { view }) => sum + view.size, 0);
            assert.equal(await server.ctx.store.attachments.bytesUsedBy(user.id), expected);
          }
          assert.ok(raced >= ROUNDS);
        });
      });
    }
  },
);
