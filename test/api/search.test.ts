import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import { after, before, it } from "node:test";
import type { MessageView } from "@private-chat/protocol/chat";
import type { SearchResponse } from "@private-chat/protocol/search";
import { addMembers, createDirect, createGroup, sendMessage } from "../helpers/chat.js";
import { forEachEngine } from "../helpers/engines.js";
import { createUser, type TestUser } from "../helpers/factories.js";
import { client } from "../helpers/http.js";
import type { TestServer } from "../helpers/server.js";

const V1 = "/api/v1";
const tag = () => `w${randomBytes(5).toString("hex")}`;

forEachEngine("search API", ({ start }) => {
  let server: TestServer;
  let api: ReturnType<typeof client>;

  const users = (n: number) =>
    Promise.all(Array.from({ length: n }, () => createUser(server.url))) as Promise<TestUser[]>;
  const search = (user: TestUser, params: Record<string, string>) =>
    api.get<SearchResponse>(`${V1}/search?${new URLSearchParams(params)}`, {
      token: user.token,
    });
  const found = async (user: TestUser, params: Record<string, string>) => {
    const res = await search(user, params);
    assert.equal(res.status, 200, res.text);
    return res.body.results.map((r) => r.message.body).sort();
  };
  const code = (res: { body: unknown }) => (res.body as { error?: { code: string } }).error?.code;

  before(async () => {
    server = await start({ rate_limit: { enabled: false } });
    api = client(server.url);
  });
  after(() => server.stop());

  it("answers 401 without a token", async () => {
    const res = await api.get(`${V1}/search?q=hello`);
    assert.equal(res.status, 401);
    assert.equal(code(res), "unauthorized");
  });

  it("finds a message with its conversation, a plain-text snippet and highlight ranges", async () => {
    const [a, b] = await users(2);
    const direct = await createDirect(server.url, a!, b!);
    const t = tag();
    const sent = await sendMessage(server.url, b!, direct.id, `see <b>you</b> at ${t} soon`);
    await sendMessage(server.url, b!, direct.id, "unrelated");

    const res = await search(a!, { q: t.toUpperCase() });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.next_before, undefined);
    assert.equal(res.body.results.length, 1);
    const [hit] = res.body.results;
    const history = await api.get<{ messages: MessageView[] }>(
      `${V1}/conversations/${direct.id}/messages`,
      { token: a!.token },
    );
    assert.deepEqual(
      hit!.message,
      history.body.messages.find((m) => m.id === sent.id),
    );
    assert.equal(hit!.conversation_id, direct.id);
    assert.equal(typeof hit!.rank, "number");
    // The snippet is the body's own text: markup in it stays text.
    assert.match(hit!.snippet, /see <b>you<\/b> at/);
    assert.deepEqual(
      hit!.highlights.map(([s, e]) => hit!.snippet.slice(s, e)),
      [t],
    );
  });

  it("finds formatted messages by their words, the stored body staying as written", async () => {
    const [a, b] = await users(2);
    const direct = await createDirect(server.url, a!, b!);
    const bold = "**bold** word";
    const inline = "_italic_ ~~struck~~ `code` [linked text](https://example.com/page)";
    const blocks = "> quoted\n\n- listed\n\n```\nfenced\n```";
    for (const body of [bold, inline, blocks]) await sendMessage(server.url, b!, direct.id, body);

    assert.deepEqual(await found(a!, { q: "bold" }), [bold]);
    assert.deepEqual(await found(a!, { q: '"bold word"' }), [bold]);
    for (const q of ["italic", "struck", "code", "linked text", '"linked text"'])
      assert.deepEqual(await found(a!, { q }), [inline], q);
    for (const q of ["quoted", "listed", "fenced"])
      assert.deepEqual(await found(a!, { q }), [blocks], q);
    // Markup characters are no words: searching them finds nothing, and never fails.
    assert.deepEqual(await found(a!, { q: "bold **" }), [bold]);
    const res = await search(a!, { q: "bold" });
    const [hit] = res.body.results;
    assert.deepEqual(
      hit!.highlights.map(([s, e]) => hit!.snippet.slice(s, e)),
      ["bold"],
    );
  });

  it("answers invalid_query for a query with nothing to search, too long or malformed", async () => {
    const [a] = await users(1);
    for (const q of ["", "   ", "***", "from:alice", "from: x", "in:a in:b x", "a".repeat(257)]) {
      const res = await search(a!, { q });
      assert.equal(res.status, 400, `${q}: ${res.text}`);
      assert.equal(code(res), "invalid_query", q);
    }
    const extra = await search(a!, { q: "x", extra: "1" });
    assert.equal(code(extra), "unknown_fields");
    const missing = await api.get(`${V1}/search`, { token: a!.token });
    assert.equal(missing.status, 400);
    assert.equal(code(missing), "invalid_request");
    const badParams: Record<string, string>[] = [
      { q: "x", limit: "0" },
      { q: "x", limit: "51" },
      { q: "x", before: "not-a-cursor" },
      { q: "x", before: Buffer.from('["a","b"]').toString("base64url") },
    ];
    for (const params of badParams) {
      const res = await search(a!, params);
      assert.equal(res.status, 400, JSON.stringify(params));
      assert.equal(code(res), "invalid_request", JSON.stringify(params));
    }
  });

  it("takes hostile query text as words: never a server error", async () => {
    const [a] = await users(1);
    const hostile = [
      'NEAR("a" "b")',
      "* ^ - OR AND NOT",
      '"unbalanced',
      "a & b | !c <-> d:*",
      "back\\slash\\",
      "'); drop table messages; --",
      "🙂 ناس 東京 café",
      "x".repeat(256),
    ];
    for (const q of hostile) {
      const res = await search(a!, { q });
      assert.equal(res.status, 200, `${q}: ${res.text}`);
    }
    const res = await search(a!, { q: "x".repeat(10_000) });
    assert.equal(code(res), "invalid_query");
    const nul = await search(a!, { q: "a\u0000b" });
    assert.equal(nul.status, 400);
  });

  it("answers 404 for a conversation_id the caller is not in, never its results", async () => {
    const [a, b, c] = await users(3);
    const theirs = await createGroup(server.url, b!, [c!]);
    const t = tag();
    await sendMessage(server.url, b!, theirs.id, `secret ${t}`);
    for (const id of [theirs.id, randomUUID()]) {
      const res = await search(a!, { q: t, conversation_id: id });
      assert.equal(res.status, 404, res.text);
      assert.equal(code(res), "not_found");
    }
    assert.deepEqual(await found(a!, { q: t }), []);
    assert.deepEqual(await found(c!, { q: t, conversation_id: theirs.id }), [`secret ${t}`]);
  });

  it("shows a late joiner only what was sent after they joined", async () => {
    const [a, b] = await users(2);
    const group = await createGroup(server.url, a!, []);
    const t = tag();
    await sendMessage(server.url, a!, group.id, `early ${t}`);
    await addMembers(server.url, a!, group.id, [b!]);
    await sendMessage(server.url, a!, group.id, `late ${t}`);
    assert.deepEqual(await found(b!, { q: t }), [`late ${t}`]);
    assert.deepEqual(await found(a!, { q: t }), [`early ${t}`, `late ${t}`]);
  });

  it("forgets deleted messages and finds edited ones by their new text", async () => {
    const [a] = await users(1);
    const group = await createGroup(server.url, a!, []);
    const [gone, old, fresh] = [tag(), tag(), tag()];
    const doomed = await sendMessage(server.url, a!, group.id, `bye ${gone}`);
    const typo = await sendMessage(server.url, a!, group.id, `teh ${old}`);
    assert.equal(
      (await api.delete(`${V1}/messages/${doomed.id}`, { token: a!.token })).status,
      200,
    );
    const edit = await api.patch(
      `${V1}/messages/${typo.id}`,
      { body: `the ${fresh}` },
      { token: a!.token },
    );
    assert.equal(edit.status, 200, edit.text);
    assert.deepEqual(await found(a!, { q: gone }), []);
    assert.deepEqual(await found(a!, { q: old }), []);
    assert.deepEqual(await found(a!, { q: fresh }), [`the ${fresh}`]);
  });

  it("narrows with from: and in: (by title, id or direct partner)", async () => {
    const [a, b, c] = await users(3);
    const title = `Plans ${tag()}`;
    const group = await createGroup(server.url, a!, [b!, c!], title);
    const direct = await createDirect(server.url, a!, b!);
    const t = tag();
    await sendMessage(server.url, a!, group.id, `a group ${t}`);
    await sendMessage(server.url, b!, group.id, `b group ${t}`);
    await sendMessage(server.url, b!, direct.id, `b direct ${t}`);

    assert.deepEqual(await found(a!, { q: `from:${b!.username.toUpperCase()} ${t}` }), [
      `b direct ${t}`,
      `b group ${t}`,
    ]);
    assert.deepEqual(await found(a!, { q: `${t} in:"${title.toLowerCase()}"` }), [
      `a group ${t}`,
      `b group ${t}`,
    ]);
    assert.deepEqual(await found(a!, { q: `${t} in:${direct.id}` }), [`b direct ${t}`]);
    assert.deepEqual(await found(a!, { q: `${t} in:${b!.username} from:${b!.username}` }), [
      `b direct ${t}`,
    ]);
    // Unknown names find nothing rather than failing; c is not in the direct chat.
    assert.deepEqual(await found(a!, { q: `${t} from:nobody_${tag()}` }), []);
    assert.deepEqual(await found(a!, { q: `${t} in:nowhere` }), []);
    assert.deepEqual(await found(c!, { q: `${t} in:${direct.id}` }), []);
    assert.deepEqual(await found(a!, { q: `${t} in:${direct.id}`, conversation_id: group.id }), []);
  });

  it("pages with next_before until every hit was seen once", async () => {
    const [a] = await users(1);
    const group = await createGroup(server.url, a!, []);
    const t = tag();
    const sent: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      sent.push((await sendMessage(server.url, a!, group.id, `${t} number ${i}`)).id);
    }
    const seen: string[] = [];
    const sizes: number[] = [];
    let cursor: string | undefined;
    do {
      const params: Record<string, string> = { q: t, limit: "2" };
      if (cursor) params.before = cursor;
      const res = await search(a!, params);
      assert.equal(res.status, 200, res.text);
      sizes.push(res.body.results.length);
      seen.push(...res.body.results.map((r) => r.message.id));
      cursor = res.body.next_before;
    } while (cursor && sizes.length < 10);
    assert.deepEqual(sizes, [2, 2, 1]);
    assert.deepEqual([...seen].sort(), [...sent].sort());
  });
});
