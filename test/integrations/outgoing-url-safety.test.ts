/**
 * Bots' outgoing URLs with `[integrations] allow_private_urls` off (the default), on both
 * engines: every URL that is not https or not public is refused with 422 `invalid_url`
 * when it is given (loopback, private, link-local, the metadata address, IPv6 forms, a
 * name resolving to loopback, this server), and again when a delivery is sent: a
 * subscription made while the flag was on gets nothing through once it is off.
 */
import assert from "node:assert/strict";
import { before, it } from "node:test";
import { apiSuite } from "../helpers/api-suite.js";
import { addMembers, createGroup, sendMessage } from "../helpers/chat.js";
import { forEachEngine } from "../helpers/engines.js";
import { createUser, type TestUser } from "../helpers/factories.js";
import { client } from "../helpers/http.js";
import { sleep } from "../helpers/socket.js";

const V1 = "/api/v1";

const REFUSED = [
  "http://example.com/hook",
  "ftp://example.com/hook",
  "https://127.0.0.1/hook",
  "https://127.1.2.3:8443/hook",
  "https://localhost/hook",
  "https://[::1]/hook",
  "https://[::ffff:127.0.0.1]/hook",
  "https://10.1.2.3/hook",
  "https://172.16.0.1/hook",
  "https://192.168.1.10/hook",
  "https://169.254.169.254/latest/meta-data",
  "https://[fe80::1]/hook",
  "https://[fd00::1]/hook",
  "https://0.0.0.0/hook",
  "https://100.64.0.1/hook",
  "https://2130706433/hook",
];

forEachEngine("outgoing URL safety", (run) => {
  const { started, as, users } = apiSuite(run);
  let admin: TestUser;
  let botId: string;
  before(async () => {
    [admin] = (await users(1)) as [TestUser];
    const made = await started().api.post(
      `${V1}/bots`,
      { username: `safebot_${Date.now().toString(36)}` },
      as(admin),
    );
    assert.equal(made.status, 201, made.text);
    botId = made.body.bot.id;
  });

  it("refuses every URL that is not https or not public, for subscriptions and commands", async () => {
    const { api, server } = started();
    const own = new URL(server.url);
    for (const url of [...REFUSED, `https://${own.host}/hook`]) {
      const sub = await api.post(
        `${V1}/bots/${botId}/subscriptions`,
        { url, events: ["message.new"] },
        as(admin),
      );
      assert.equal(sub.status, 422, `${url}: ${sub.text}`);
      assert.equal(sub.body.error.code, "invalid_url");
      const command = await api.post(
        `${V1}/bots/${botId}/commands`,
        { name: "safe", url },
        as(admin),
      );
      assert.equal(command.status, 422, `${url}: ${command.text}`);
      assert.equal(command.body.error.code, "invalid_url");
    }
    const none = await api.get(`${V1}/bots/${botId}/subscriptions`, as(admin));
    assert.deepEqual(none.body.subscriptions, []);
  });
});

forEachEngine("outgoing URL safety at send time", (run) => {
  it("sends nothing to a private address once the flag is off", async () => {
    const open = await run.start({
      rate_limit: { enabled: false },
      integrations: { allow_private_urls: true, event_retry_base_ms: 50 },
    });
    let closed: Awaited<ReturnType<typeof run.start>> | undefined;
    try {
      const admin = await createUser(open.url);
      const alice = await createUser(open.url);
      const api = client(open.url);
      const made = await api.post(
        `${V1}/bots`,
        { username: `laterbot_${Date.now().toString(36)}` },
        { token: admin.token },
      );
      const bot = made.body.bot as { id: string };
      const group = await createGroup(open.url, admin, [alice]);
      await addMembers(open.url, admin, group.id, [
        { ...bot, username: "", password: "", token: "" },
      ]);
      const sub = await api.post(
        `${V1}/bots/${bot.id}/subscriptions`,
        { url: "https://10.255.255.1/hook", events: ["message.new"] },
        { token: admin.token },
      );
      assert.equal(sub.status, 201, sub.text);
      await open.close();
      closed = await run.start(
        {
          rate_limit: { enabled: false },
          auth: { jwt_secret: open.config.auth.jwt_secret },
          integrations: { event_retry_base_ms: 50 },
        },
        { restartOf: open },
      );
      await sendMessage(closed.url, alice, group.id, "stays here");
      const api2 = client(closed.url);
      let state: { last_error: string | null; queued: number } | undefined;
      const deadline = Date.now() + 10_000;
      while (!state?.last_error && Date.now() < deadline) {
        await sleep(50);
        const res = await api2.get(`${V1}/bots/${bot.id}/subscriptions`, { token: admin.token });
        state = res.body.subscriptions[0];
      }
      assert.match(String(state?.last_error), /private address/, JSON.stringify(state));
      assert.equal(state?.queued, 1, "kept queued, not sent");
    } finally {
      if (closed) await closed.stop();
      else await open.stop();
    }
  });
});
