/**
 * Incoming webhooks, on both engines: a member makes one for a group and gets its URL
 * once; a POST of a Slack payload (JSON or form-encoded) posts a message as the hook's
 * own bot, seen over REST and on a member's socket; the list shows no secret; deleting
 * the hook, its creator leaving, a wrong secret all answer 404 alike; every bad payload
 * is a 4xx with an error body, an oversized one 413, a flood 429.
 */
import assert from "node:assert/strict";
import { before, it } from "node:test";
import { apiSuite } from "../helpers/api-suite.js";
import { createDirect, createGroup } from "../helpers/chat.js";
import { forEachEngine } from "../helpers/engines.js";
import type { TestUser } from "../helpers/factories.js";
import { request } from "../helpers/http.js";
import { connect } from "../helpers/socket.js";

const V1 = "/api/v1";

interface Made {
  id: string;
  url: string;
  bot: { id: string; is_bot: boolean; display_name: string };
}

forEachEngine("incoming webhooks", (run) => {
  const { started, as, users } = apiSuite(run);
  let admin: TestUser;
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  let stranger: TestUser;
  let group: string;
  before(async () => {
    // The first account is the server's administrator.
    [admin] = (await users(1)) as [TestUser];
    [alice, bob, carol, stranger] = (await users(4)) as [TestUser, TestUser, TestUser, TestUser];
    group = (await createGroup(started().server.url, alice, [bob, carol], "hooks")).id;
  });

  const makeHook = async (user: TestUser, name: string, conversation = group) => {
    const res = await started().api.post(
      `${V1}/conversations/${conversation}/webhooks`,
      { name },
      as(user),
    );
    assert.equal(res.status, 201, res.text);
    return res.body as Made;
  };
  /** POSTs to a hook's URL (made on this server: only its path is used). */
  const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
    request(started().server.url, "POST", new URL(url).pathname, {
      ...(typeof body === "string" ? { rawBody: body } : { body }),
      headers,
    });
  const lastMessage = async (user: TestUser) => {
    const page = await started().api.get(`${V1}/conversations/${group}/messages`, as(user));
    assert.equal(page.status, 200, page.text);
    const messages = page.body.messages as { seq: number; sender_id: string; body: string }[];
    return messages.reduce((a, b) => (b.seq > a.seq ? b : a));
  };

  it("makes a hook with a bot of its own and a URL shown once; posts plain text as the bot", async () => {
    const { api, server } = started();
    const made = await makeHook(bob, "CI builds");
    assert.match(made.url, /^http:\/\/127\.0\.0\.1:\d+\/api\/v1\/hooks\/whk_[A-Za-z0-9_-]{43}$/);
    assert.equal(made.bot.is_bot, true);
    assert.equal(made.bot.display_name, "CI builds");
    const socket = await connect(server.url, carol.token);
    try {
      const res = await post(made.url, { text: "build *42* passed" });
      assert.equal(res.status, 200, res.text);
      const frame = await socket.next(
        (f) => f.type === "message.new" && f.message.id === res.body.message_id,
      );
      assert.equal(frame.message.sender_id, made.bot.id);
      assert.equal(frame.message.body, "build **42** passed");
    } finally {
      await socket.close();
    }
    const last = await lastMessage(alice);
    assert.equal(last.sender_id, made.bot.id);
    const sender = await api.get(`${V1}/users/${made.bot.id}`, as(alice));
    assert.equal(sender.body.user.is_bot, true);
    assert.equal(sender.body.user.display_name, "CI builds");
    // The list has the hook, never its secret; the row keeps only a hash.
    const listed = await api.get(`${V1}/conversations/${group}/webhooks`, as(carol));
    assert.equal(listed.status, 200, listed.text);
    const row = listed.body.webhooks.find((h: { id: string }) => h.id === made.id);
    assert.equal(row.name, "CI builds");
    assert.equal(row.active, true);
    assert.equal(typeof row.last_used_at, "number");
    const secret = made.url.split("/").pop() as string;
    assert.ok(!listed.text.includes(secret));
    const stored = await server.ctx.store.db
      .selectFrom("incoming_webhooks")
      .selectAll()
      .where("id", "=", made.id)
      .executeTakeFirstOrThrow();
    assert.ok(!JSON.stringify(stored).includes(secret));
    const audit = await server.ctx.store.db
      .selectFrom("audit_log")
      .select("action")
      .where("action", "=", "webhook.create")
      .execute();
    assert.ok(audit.length >= 1);
  });

  it("takes Slack payloads: mrkdwn links, blocks, attachments, and the form-encoded payload", async () => {
    const made = await makeHook(alice, "Alerts");
    const slack = {
      text: "fallback only",
      username: "ignored",
      icon_emoji: ":ghost:",
      blocks: [
        { type: "header", text: { type: "plain_text", text: "Deploy" } },
        {
          type: "section",
          text: {
            type: "mrkdwn",
            text: "See <https://ci.example/1|run 1> ~old~ &amp; <https://x.example>",
          },
          fields: [{ type: "mrkdwn", text: "*env* prod" }],
        },
        { type: "divider" },
        { type: "context", elements: [{ type: "mrkdwn", text: "by _bot_" }] },
        {
          type: "rich_text",
          elements: [
            {
              type: "rich_text_list",
              style: "bullet",
              elements: [
                {
                  type: "rich_text_section",
                  elements: [{ type: "text", text: "one", style: { bold: true } }],
                },
              ],
            },
          ],
        },
      ],
      attachments: [
        {
          fallback: "unused",
          pretext: "Firing",
          title: "CPU high",
          title_link: "https://grafana.example/d/1",
          text: "load &gt; 9",
          fields: [{ title: "host", value: "db1" }],
        },
      ],
    };
    const res = await post(made.url, slack);
    assert.equal(res.status, 200, res.text);
    const body = (await lastMessage(bob)).body;
    assert.equal(
      body,
      [
        "**Deploy**",
        "See [run 1](https://ci.example/1) ~~old~~ & https://x.example\n**env** prod",
        "by _bot_",
        "- **one**",
        "Firing\n**[CPU high](https://grafana.example/d/1)**\nload > 9\n**host**: db1",
      ].join("\n\n"),
    );
    const form = `payload=${encodeURIComponent(JSON.stringify({ text: "from a form" }))}`;
    const viaForm = await post(made.url, form, {
      "content-type": "application/x-www-form-urlencoded",
    });
    assert.equal(viaForm.status, 200, viaForm.text);
    assert.equal((await lastMessage(bob)).body, "from a form");
    // Attachments alone make a message too (Alertmanager's default).
    const alone = await post(made.url, { attachments: [{ fallback: "just this" }] });
    assert.equal(alone.status, 200, alone.text);
    assert.equal((await lastMessage(bob)).body, "just this");
  });

  it("answers every bad payload with a 4xx and an error body, and never stores it", async () => {
    const { server } = started();
    const made = await makeHook(alice, "Strict");
    const form = { "content-type": "application/x-www-form-urlencoded" };
    const cases: [string, unknown, Record<string, string>, number, string][] = [
      ["no text, blocks or attachments", { username: "x" }, {}, 400, "invalid_request"],
      ["empty text", { text: "   " }, {}, 400, "body_empty"],
      [
        "text too long",
        { text: "x".repeat(server.config.messages.max_body_chars + 1) },
        {},
        400,
        "body_too_long",
      ],
      ["text not a string", { text: 5 }, {}, 400, "invalid_request"],
      ["bad JSON", '{"text":', {}, 400, "invalid_json"],
      ["a JSON array", "[]", {}, 400, "invalid_request"],
      ["form without payload", "text=hi", form, 400, "invalid_request"],
      ["form with bad JSON", "payload=%7B", form, 400, "invalid_json"],
      [
        "wrong content type",
        "hello",
        { "content-type": "text/plain" },
        415,
        "unsupported_media_type",
      ],
      ["over 64 KiB", JSON.stringify({ text: "y".repeat(70_000) }), {}, 413, "payload_too_large"],
    ];
    for (const [what, body, headers, status, code] of cases) {
      const res = await post(made.url, body, headers);
      assert.equal(res.status, status, `${what}: ${res.text}`);
      assert.equal(res.body?.error?.code, code, `${what}: ${res.text}`);
      assert.equal(typeof res.body.error.message, "string");
    }
    const listed = await started().api.get(`${V1}/conversations/${group}/webhooks`, as(alice));
    const row = listed.body.webhooks.find((h: { id: string }) => h.id === made.id);
    assert.equal(row.last_used_at, null, "nothing was posted");
  });

  it("limits each hook to a burst of 10, then 429 with retry-after", async () => {
    const made = await makeHook(alice, "Flood");
    const answers: number[] = [];
    for (let i = 0; i < 12; i++) answers.push((await post(made.url, { text: `n${i}` })).status);
    assert.deepEqual(answers.slice(0, 10), Array(10).fill(200));
    const limited = await post(made.url, { text: "more" });
    assert.equal(limited.status, 429, limited.text);
    assert.equal(limited.body.error.code, "rate_limited");
    assert.ok(Number(limited.headers.get("retry-after")) >= 1);
    // Another hook has its own budget.
    const other = await makeHook(alice, "Calm");
    assert.equal((await post(other.url, { text: "fine" })).status, 200);
  });

  it("refuses outsiders and direct conversations; a wrong secret is a 404 like an unknown one", async () => {
    const { api, server } = started();
    const made = await makeHook(alice, "Private");
    for (const [method, path, body] of [
      ["POST", `${V1}/conversations/${group}/webhooks`, { name: "x" }],
      ["GET", `${V1}/conversations/${group}/webhooks`, undefined],
      ["DELETE", `${V1}/webhooks/${made.id}`, undefined],
    ] as const) {
      const res = await request(server.url, method, path, { token: stranger.token, body });
      assert.equal(res.status, 404, `${method} ${path}: ${res.text}`);
      assert.equal(res.body.error.code, "not_found");
    }
    const direct = await createDirect(server.url, alice, bob);
    const inDirect = await api.post(
      `${V1}/conversations/${direct.id}/webhooks`,
      { name: "d" },
      as(alice),
    );
    assert.equal(inDirect.status, 403, inDirect.text);
    const unknown = await post(`${server.url}${V1}/hooks/whk_nothing`, { text: "x" });
    const wrong = await post(`${made.url}x`, { text: "x" });
    assert.equal(unknown.status, 404);
    assert.equal(wrong.status, 404);
    assert.equal(wrong.body.error.code, unknown.body.error.code);
    assert.equal(wrong.body.error.message, unknown.body.error.message);
  });

  it("stops while its creator is out of the group, and deleting it ends the URL and the bot", async () => {
    const { api, server } = started();
    const dave = (await users(1))[0] as TestUser;
    const added = await api.post(
      `${V1}/conversations/${group}/members`,
      { user_ids: [dave.id] },
      as(alice),
    );
    assert.equal(added.status, 200, added.text);
    const made = await makeHook(dave, "Dave's");
    assert.equal((await post(made.url, { text: "before" })).status, 200);
    const left = await api.delete(`${V1}/conversations/${group}/members/${dave.id}`, as(dave));
    assert.equal(left.status, 204, left.text);
    const stopped = await post(made.url, { text: "after" });
    assert.equal(stopped.status, 404, stopped.text);
    const listed = await api.get(`${V1}/conversations/${group}/webhooks`, as(alice));
    assert.equal(listed.body.webhooks.find((h: { id: string }) => h.id === made.id).active, false);
    // Any member may delete it: the URL stays 404, the bot leaves, the row is gone.
    const deleted = await api.delete(`${V1}/webhooks/${made.id}`, as(bob));
    assert.equal(deleted.status, 204, deleted.text);
    assert.equal((await post(made.url, { text: "gone" })).status, 404);
    assert.equal((await api.delete(`${V1}/webhooks/${made.id}`, as(bob))).status, 404);
    const members = (await api.get(`${V1}/conversations/${group}`, as(alice))).body.members as {
      user: { id: string };
    }[];
    assert.ok(!members.some((m) => m.user.id === made.bot.id), "the bot left");
    const row = await server.ctx.store.db
      .selectFrom("incoming_webhooks")
      .select("id")
      .where("id", "=", made.id)
      .executeTakeFirst();
    assert.equal(row, undefined);
  });

  it("stops when its creator is disabled", async () => {
    const { api } = started();
    const made = await makeHook(carol, "Carol's");
    assert.equal((await post(made.url, { text: "on" })).status, 200);
    const off = await api.patch(`${V1}/admin/users/${carol.id}`, { disabled: true }, as(admin));
    assert.equal(off.status, 200, off.text);
    assert.equal((await post(made.url, { text: "off" })).status, 404);
  });

  it("stops when its creator deletes their account", async () => {
    const { api } = started();
    const erin = (await users(1))[0] as TestUser;
    const added = await api.post(
      `${V1}/conversations/${group}/members`,
      { user_ids: [erin.id] },
      as(alice),
    );
    assert.equal(added.status, 200, added.text);
    const made = await makeHook(erin, "Erin's");
    assert.equal((await post(made.url, { text: "on" })).status, 200);
    const gone = await api.delete(`${V1}/me`, { ...as(erin), body: { password: erin.password } });
    assert.equal(gone.status, 204, gone.text);
    assert.equal((await post(made.url, { text: "off" })).status, 404);
  });
});
