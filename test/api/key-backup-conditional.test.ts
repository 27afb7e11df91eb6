/**
 * Conditional writes of the key backup's wrapped key over REST, on both engines:
 * `If-None-Match: *` creates only when there is none, so two devices setting up at once
 * cannot replace each other's key (exactly one of two concurrent creations succeeds);
 * `If-Match` with the version read replaces only that version (a passphrase change), and
 * keeps the chunks. A condition that no longer holds is 412 `precondition_failed` with
 * the usual error body; a malformed one is 400.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { apiSuite } from "../helpers/api-suite.js";
import { forEachEngine } from "../helpers/engines.js";
import type { TestUser } from "../helpers/factories.js";
import type { client } from "../helpers/http.js";
import { backupBody, chunkData, chunkId, keyBackupCalls, V1 } from "./key-backup-fixture.js";

forEachEngine("key backup API: conditional writes", (run) => {
  let api: ReturnType<typeof client>;
  let calls: ReturnType<typeof keyBackupCalls>;
  const { started, users } = apiSuite(run);
  before(() => {
    ({ api } = started());
    calls = keyBackupCalls(api);
  });
  const put = (user: TestUser, headers: Record<string, string>, body: unknown = backupBody()) =>
    api.put(`${V1}/key-backup`, body, { token: user.token, headers });
  const createOnly = (user: TestUser, body?: unknown) => put(user, { "if-none-match": "*" }, body);
  const errorOf = (res: { status: number; body: any }) => [res.status, res.body?.error?.code];
  /** The usual `{"error":{"code","message"}}`, and nothing else at its top. */
  const refusedWith = (res: { status: number; body: any }, status: number, code: string) => {
    assert.deepEqual(errorOf(res), [status, code], JSON.stringify(res.body));
    assert.deepEqual(Object.keys(res.body), ["error"]);
    assert.equal(typeof res.body.error.message, "string");
  };

  describe("create-only (If-None-Match: *)", () => {
    it("creates when there is none, and is refused with 412 when there is one", async () => {
      const [a] = (await users(1)) as [TestUser];
      const body = backupBody();
      const made = await createOnly(a, body);
      assert.equal(made.status, 201, made.text);
      assert.equal(made.headers.get("etag"), `"${made.body.version}"`);
      assert.match(made.body.version, /^[A-Za-z0-9_-]{22}$/);

      const again = await createOnly(a);
      refusedWith(again, 412, "precondition_failed");
      assert.match(again.body.error.message, /a key backup exists already/);
      // The first key stays.
      const read = await calls.get(a);
      assert.equal(read.body.wrapped_key, body.wrapped_key);
      assert.equal(read.headers.get("etag"), `"${made.body.version}"`);
    });

    it("lets exactly one of two concurrent creations through", async () => {
      for (let round = 0; round < 4; round++) {
        const [a] = (await users(1)) as [TestUser];
        const bodies = [backupBody(), backupBody()];
        const answers = await Promise.all(bodies.map((body) => createOnly(a, body)));
        const statuses = answers.map((res) => res.status).sort();
        assert.deepEqual(statuses, [201, 412], answers.map((res) => res.text).join("\n"));
        const winner = answers.findIndex((res) => res.status === 201);
        const loser = answers[1 - winner] as { status: number; body: any };
        refusedWith(loser, 412, "precondition_failed");
        assert.equal((await calls.get(a)).body.wrapped_key, bodies[winner]?.wrapped_key);
      }
    });

    it("refuses If-None-Match with a version, and with If-Match beside it", async () => {
      const [a] = (await users(1)) as [TestUser];
      refusedWith(await put(a, { "if-none-match": '"abc"' }), 400, "invalid_request");
      refusedWith(await put(a, { "if-none-match": "*", "if-match": "*" }), 400, "invalid_request");
      assert.equal((await calls.get(a)).status, 404, "nothing was stored");
    });
  });

  describe("replace-only-what-was-read (If-Match)", () => {
    it("replaces the version read, keeping the chunks; a stale version is 412", async () => {
      const [a] = (await users(1)) as [TestUser];
      const made = await calls.setUp(a);
      assert.equal((await calls.putChunk(a, chunkId(), chunkData(100))).status, 204);
      const read = (await calls.get(a)).body;
      assert.equal(read.version, made.version);

      const next = backupBody();
      const replaced = await put(a, { "if-match": `"${read.version}"` }, next);
      assert.equal(replaced.status, 200, replaced.text);
      assert.equal(replaced.body.wrapped_key, next.wrapped_key);
      assert.notEqual(replaced.body.version, read.version);
      assert.equal(replaced.headers.get("etag"), `"${replaced.body.version}"`);
      assert.equal(replaced.body.created_at, made.created_at);
      assert.deepEqual([replaced.body.chunks, replaced.body.bytes], [1, 100]);

      // Another device still holding the version before: refused, nothing changed.
      const stale = await put(a, { "if-match": `"${read.version}"` });
      refusedWith(stale, 412, "precondition_failed");
      assert.match(stale.body.error.message, /changed since it was read/);
      assert.deepEqual(stale.body.error.details, { version: replaced.body.version });
      const now = (await calls.get(a)).body;
      assert.equal(now.wrapped_key, next.wrapped_key);
      assert.deepEqual([now.chunks, now.bytes], [1, 100]);

      // One of a list matches; a weak tag never does; "*" takes any backup there is.
      const listed = await put(a, { "if-match": `"nope", "${now.version}"` });
      assert.equal(listed.status, 200, listed.text);
      refusedWith(
        await put(a, { "if-match": `W/"${listed.body.version}"` }),
        412,
        "precondition_failed",
      );
      assert.equal((await put(a, { "if-match": "*" })).status, 200);
      refusedWith(await put(a, { "if-match": "not quoted" }), 400, "invalid_request");
    });

    it("is refused with 412 once the backup was removed", async () => {
      const [a] = (await users(1)) as [TestUser];
      const made = await calls.setUp(a);
      assert.equal((await calls.remove(a)).status, 204);
      const gone = await put(a, { "if-match": `"${made.version}"` });
      refusedWith(gone, 412, "precondition_failed");
      assert.match(gone.body.error.message, /no key backup to replace/);
      refusedWith(await put(a, { "if-match": "*" }), 412, "precondition_failed");
      assert.equal((await calls.get(a)).status, 404, "nothing was stored");
    });

    it("lets one of two concurrent replacements of one version through", async () => {
      const [a] = (await users(1)) as [TestUser];
      const made = await calls.setUp(a);
      const answers = await Promise.all(
        [0, 1].map(() => put(a, { "if-match": `"${made.version}"` })),
      );
      assert.deepEqual(answers.map((res) => res.status).sort(), [200, 412]);
    });
  });
});
