/**
 * Slash commands, on both engines, against a real HTTPS receiver on loopback: the owner
 * registers them (names unique on the server), members of a conversation the bot is in
 * list and run them; the signed request, an ephemeral answer, an answer posted as the bot
 * (also in Slack's `response_type` form), and a bot that fails, answers nonsense or does
 * not answer within 3 seconds (a notice, never an error).
 */
import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { verifySignature } from "../../src/outgoing/signature.js";
import { apiSuite } from "../helpers/api-suite.js";
import { addMembers, createGroup } from "../helpers/chat.js";
import { forEachEngine } from "../helpers/engines.js";
import type { TestUser } from "../helpers/factories.js";
import { HookReceiver } from "../helpers/hook-receiver.js";
import { trustedCert } from "../helpers/trusted-cert.js";

const V1 = "/api/v1";
const tls = trustedCert();

if (tls) {
  forEachEngine("slash commands", (run) => {
    const { started, as, users } = apiSuite(run, { integrations: { allow_private_urls: true } });
    const receiver = new HookReceiver(tls);
    let admin: TestUser;
    let alice: TestUser;
    let carol: TestUser;
    let botId: string;
    let groupId: string;
    let secret: string;
    const name = `deploy${Date.now().toString(36)}`;
    before(async () => {
      await receiver.start();
      [admin] = (await users(1)) as [TestUser];
      [alice, carol] = (await users(2)) as [TestUser, TestUser];
      const { api, server } = started();
      const made = await api.post(`${V1}/bots`, { username: `cmdbot_${name}` }, as(admin));
      assert.equal(made.status, 201, made.text);
      botId = made.body.bot.id;
      groupId = (await createGroup(server.url, admin, [alice])).id;
      await addMembers(server.url, admin, groupId, [
        { id: botId, username: "", password: "", token: "" },
      ]);
      const res = await api.post(
        `${V1}/bots/${botId}/commands`,
        { name, url: receiver.url("/command"), description: "Deploys", usage: "<environment>" },
        as(admin),
      );
      assert.equal(res.status, 201, res.text);
      secret = res.body.secret;
      assert.match(secret, /^pcs_/);
    });
    after(() => receiver.stop());

    const runCommand = (user: TestUser, text: string, conversation = groupId) =>
      started().api.post(`${V1}/conversations/${conversation}/commands`, { name, text }, as(user));

    it("are registered by the bot's owner, once per name, with clear errors", async () => {
      const { api } = started();
      const again = await api.post(
        `${V1}/bots/${botId}/commands`,
        { name, url: receiver.url("/x") },
        as(admin),
      );
      assert.equal(again.status, 409, again.text);
      for (const [body, status, code] of [
        [{ name: "Bad Name", url: receiver.url("/x") }, 400, "invalid_request"],
        [{ name: "/slash", url: receiver.url("/x") }, 400, "invalid_request"],
        [{ name: "okname", url: "http://127.0.0.1/x" }, 422, "invalid_url"],
        [{ name: "okname" }, 400, "invalid_request"],
      ] as const) {
        const res = await api.post(`${V1}/bots/${botId}/commands`, body, as(admin));
        assert.equal(res.status, status, `${JSON.stringify(body)}: ${res.text}`);
        assert.equal(res.body.error.code, code);
      }
      const stranger = await api.post(
        `${V1}/bots/${botId}/commands`,
        { name: "theirs", url: receiver.url("/x") },
        as(alice),
      );
      assert.equal(stranger.status, 404, stranger.text);
      const listed = await api.get(`${V1}/bots/${botId}/commands`, as(admin));
      assert.deepEqual(
        listed.body.commands.map((c: { name: string }) => c.name),
        [name],
      );
    });

    it("are listed for members where the bot is, and for nobody else", async () => {
      const { api, server } = started();
      const listed = await api.get(`${V1}/conversations/${groupId}/commands`, as(alice));
      assert.equal(listed.status, 200, listed.text);
      assert.deepEqual(listed.body.commands, [
        { name, description: "Deploys", usage: "<environment>", bot: listed.body.commands[0].bot },
      ]);
      assert.equal(listed.body.commands[0].bot.is_bot, true);
      assert.equal(JSON.stringify(listed.body).includes("127.0.0.1"), false, "no URL for members");
      const outsider = await api.get(`${V1}/conversations/${groupId}/commands`, as(carol));
      assert.equal(outsider.status, 404, outsider.text);
      const refused = await runCommand(carol, "prod");
      assert.equal(refused.status, 404, refused.text);
      const other = (await createGroup(server.url, alice, [carol])).id;
      const none = await api.get(`${V1}/conversations/${other}/commands`, as(alice));
      assert.deepEqual(none.body.commands, []);
      const absent = await runCommand(alice, "prod", other);
      assert.equal(absent.status, 404, absent.text);
      assert.equal(absent.body.error.code, "not_found");
    });

    it("send a signed request and show an ephemeral answer to the caller alone", async () => {
      receiver.answer = () => ({ status: 200, body: JSON.stringify({ text: "deploying prod" }) });
      const before = receiver.at("/command").length;
      const res = await runCommand(alice, "prod");
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.outcome, "answered");
      assert.equal(res.body.visibility, "ephemeral");
      assert.equal(res.body.text, "deploying prod");
      const [request] = receiver.at("/command").slice(before);
      assert.ok(request);
      const timestamp = Number(request.headers["x-chat-timestamp"]);
      assert.ok(
        verifySignature(
          secret,
          timestamp,
          request.body,
          String(request.headers["x-chat-signature"]),
        ),
      );
      const body = JSON.parse(request.body);
      assert.equal(body.command, `/${name}`);
      assert.equal(body.text, "prod");
      assert.equal(body.conversation_id, groupId);
      assert.equal(body.user.id, alice.id);
      const history = await started().api.get(`${V1}/conversations/${groupId}/messages`, as(alice));
      assert.equal(JSON.stringify(history.body).includes("deploying prod"), false);
    });

    it("post a conversation answer as the bot (Slack's in_channel too)", async () => {
      for (const [answer, text] of [
        [{ text: "prod is live", visibility: "conversation" }, "prod is live"],
        [{ text: "staging is live", response_type: "in_channel" }, "staging is live"],
      ] as const) {
        receiver.answer = () => ({ status: 200, body: JSON.stringify(answer) });
        const res = await runCommand(alice, "prod");
        assert.equal(res.status, 200, res.text);
        assert.equal(res.body.visibility, "conversation");
        assert.equal(res.body.message.sender_id, botId);
        const history = await started().api.get(
          `${V1}/conversations/${groupId}/messages`,
          as(admin),
        );
        const bodies = (history.body.messages ?? history.body).map((m: { body: string }) => m.body);
        assert.ok(bodies.includes(text), JSON.stringify(bodies));
      }
    });

    it("give a notice when the bot fails, answers nonsense or takes over 3 seconds", async () => {
      for (const answer of [
        { status: 500, body: "{}" },
        { status: 200, body: "not json" },
        { status: 200, body: JSON.stringify({ nothing: true }) },
        { status: 302, headers: { location: receiver.url("/elsewhere") } },
        "hang" as const,
      ]) {
        receiver.answer = () => answer;
        const res = await runCommand(alice, "prod");
        assert.equal(res.status, 200, `${JSON.stringify(answer)}: ${res.text}`);
        assert.equal(res.body.outcome, "no_answer");
        assert.match(res.body.text, new RegExp(`^/${name} did not answer`));
      }
      assert.equal(receiver.at("/elsewhere").length, 0);
      receiver.answer = () => ({ status: 200 });
    });

    it("stop with their bot", async () => {
      const { api } = started();
      const removed = await api.delete(`${V1}/bots/${botId}`, as(admin));
      assert.equal(removed.status, 204, removed.text);
      const listed = await api.get(`${V1}/conversations/${groupId}/commands`, as(alice));
      assert.deepEqual(listed.body.commands, []);
    });
  });
}
