/**
 * `GET /api/v1/conversations` a page at a time: limit and cursor, the default that keeps
 * clients which do not page working, a small first page then larger ones, refused
 * cursors, and the SDK reading every page or a page at a time.
 */
import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { FIRST_CONVERSATIONS_PAGE } from "@private-chat/protocol/chat";
import { ApiClient } from "@private-chat/sdk";
import { createGroup, sendMessage } from "../helpers/chat.js";
import { forEachEngine } from "../helpers/engines.js";
import { createUser, type TestUser } from "../helpers/factories.js";
import { client } from "../helpers/http.js";
import type { TestServer } from "../helpers/server.js";

const LIST = "/api/v1/conversations";

forEachEngine("the conversation list, a page at a time", ({ start }) => {
  let server: TestServer;
  let api: ReturnType<typeof client>;
  let owner: TestUser;
  const ids: string[] = [];
  before(async () => {
    server = await start({ rate_limit: { enabled: false } });
    api = client(server.url);
    owner = await createUser(server.url);
    for (let i = 0; i < 7; i++) ids.push((await createGroup(server.url, owner, [])).id);
  });
  after(() => server.stop());

  const list = (query: string, user = owner) => api.get(`${LIST}${query}`, { token: user.token });

  it("answers every conversation without parameters, with a null next_cursor", async () => {
    const res = await list("");
    assert.equal(res.status, 200);
    assert.equal(res.body.conversations.length, 7);
    assert.equal(res.body.next_cursor, null);
  });

  it("pages through every conversation once, in the order of the whole list", async () => {
    const whole = (await list("")).body.conversations.map((c: { id: string }) => c.id);
    for (const limit of [1, 2, 3, 7, 500]) {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const query: string = `?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
        const res = await list(query);
        assert.equal(res.status, 200);
        assert.ok(res.body.conversations.length <= limit);
        seen.push(...res.body.conversations.map((c: { id: string }) => c.id));
        cursor = res.body.next_cursor;
        pages += 1;
      } while (cursor !== null);
      assert.deepEqual(seen, whole, `limit ${limit}`);
      assert.equal(pages, Math.max(1, Math.ceil(7 / limit)), `limit ${limit}`);
    }
  });

  it("takes a different limit on each page: a small first page, then larger ones", async () => {
    const whole = (await list("")).body.conversations.map((c: { id: string }) => c.id);
    const first = await list("?limit=2");
    assert.equal(first.body.conversations.length, 2);
    const cursor = encodeURIComponent(first.body.next_cursor);
    const rest = await list(`?limit=500&cursor=${cursor}`);
    assert.equal(rest.body.next_cursor, null);
    assert.deepEqual(
      [...first.body.conversations, ...rest.body.conversations].map((c: { id: string }) => c.id),
      whole,
    );
  });

  it("puts a conversation that became active before the cursor, never twice", async () => {
    const first = await list("?limit=3");
    const oldest = (await list("")).body.conversations.at(-1).id as string;
    await sendMessage(server.url, owner, oldest, "wake up");
    const rest: string[] = [];
    let cursor: string | null = first.body.next_cursor;
    while (cursor !== null) {
      const res = await list(`?limit=3&cursor=${encodeURIComponent(cursor)}`);
      rest.push(...res.body.conversations.map((c: { id: string }) => c.id));
      cursor = res.body.next_cursor;
    }
    const firstIds = first.body.conversations.map((c: { id: string }) => c.id);
    assert.ok(!rest.includes(oldest), "it moved ahead of the cursor");
    assert.equal(new Set([...firstIds, ...rest]).size, firstIds.length + rest.length);
    assert.equal((await list("?limit=1")).body.conversations[0].id, oldest);
  });

  it("refuses a limit out of range and a cursor it did not give", async () => {
    for (const query of [
      "?limit=0",
      "?limit=501",
      "?limit=abc",
      "?cursor=",
      "?cursor=not*base64",
      `?cursor=${Buffer.from("x:y").toString("base64url")}`,
      `?cursor=${Buffer.from("99999999999999999:abc").toString("base64url")}`,
      `?cursor=${"A".repeat(300)}`,
    ]) {
      const res = await list(query);
      assert.equal(res.status, 400, query);
      assert.equal(res.body.error.code, "invalid_request", query);
    }
    const unknown = await list("?page=2");
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.error.code, "unknown_fields");
  });

  it("gives a cursor that shows nothing of another user's list", async () => {
    const other = await createUser(server.url);
    await createGroup(server.url, other, []);
    const cursor = (await list("?limit=1")).body.next_cursor as string;
    const theirs = await list(`?cursor=${encodeURIComponent(cursor)}`, other);
    assert.equal(theirs.status, 200);
    for (const c of theirs.body.conversations) assert.ok(!ids.includes(c.id));
  });

  it("lets the SDK read every page", async () => {
    const sdk = new ApiClient({ baseUrl: server.url, token: owner.token });
    const all = await sdk.conversations();
    assert.deepEqual(
      all.map((c) => c.id),
      (await list("")).body.conversations.map((c: { id: string }) => c.id),
    );
    const page = await sdk.conversationsPage({ limit: 2 });
    assert.equal(page.conversations.length, 2);
    assert.equal(typeof page.next_cursor, "string");
  });

  it("lets the SDK read past the apps' first page, as the terminal client does", async () => {
    const many = await createUser(server.url);
    for (let i = 0; i < FIRST_CONVERSATIONS_PAGE + 3; i++) await createGroup(server.url, many, []);
    const sdk = new ApiClient({ baseUrl: server.url, token: many.token });
    const pages: number[] = [];
    for await (const page of sdk.conversationPages()) pages.push(page.length);
    assert.deepEqual(pages, [FIRST_CONVERSATIONS_PAGE, 3]);
    assert.deepEqual(
      (await sdk.conversations()).map((c) => c.id),
      (await list("", many)).body.conversations.map((c: { id: string }) => c.id),
    );
  });

  it("lets the SDK give a small first page, then the rest", async () => {
    const sdk = new ApiClient({ baseUrl: server.url, token: owner.token });
    const pages: string[][] = [];
    for await (const page of sdk.conversationPages({ first: 2, rest: 3 })) {
      pages.push(page.map((c) => c.id));
    }
    assert.deepEqual(
      pages.map((p) => p.length),
      [2, 3, 2],
    );
    assert.deepEqual(
      pages.flat(),
      (await list("")).body.conversations.map((c: { id: string }) => c.id),
    );
    // By default the first page is the apps' (FIRST_CONVERSATIONS_PAGE): all 7 here.
    const defaults: number[] = [];
    for await (const page of sdk.conversationPages()) defaults.push(page.length);
    assert.deepEqual(defaults, [7]);
  });
});
