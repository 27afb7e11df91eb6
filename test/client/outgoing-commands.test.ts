/**
 * chat-client bot subscribe|subscriptions|unsubscribe, bot command add|list|remove,
 * commands and run, as child processes against a real server that allows loopback URLs
 * and a real HTTPS receiver on 127.0.0.1 (trusted through NODE_EXTRA_CA_CERTS): secrets
 * printed once, tables and --json, refused URLs, and run's answer or its exit status 3.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { addMembers, createGroup } from "../helpers/chat.js";
import { configDir, loggedIn, removeConfigDirs, run } from "../helpers/client-cli.js";
import { createUser, type TestUser } from "../helpers/factories.js";
import { HookReceiver } from "../helpers/hook-receiver.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { trustedCert } from "../helpers/trusted-cert.js";

const tls = trustedCert();

interface Subscription {
  id: string;
  url: string;
  events: string[];
  queued: number;
}

if (tls) {
  describe("chat-client bot subscriptions and commands, commands and run", () => {
    const receiver = new HookReceiver(tls);
    let server: TestServer;
    let admin: TestUser;
    let alice: TestUser;
    let adminDir: string;
    let aliceDir: string;
    let botToken: string;
    const title = "Deploy room";
    // Command names are unique on a server: one per test keeps the tests apart.
    const unique = Date.now().toString(36);

    before(async () => {
      await receiver.start();
      server = await startTestServer({
        rate_limit: { enabled: false },
        integrations: { allow_private_urls: true },
      });
      admin = await createUser(server.url); // the first account: an administrator
      alice = await createUser(server.url);
      adminDir = loggedIn(server.url, admin);
      aliceDir = loggedIn(server.url, alice);
      const made = await run(["bot", "create", "@shipbot", "--json"], adminDir);
      assert.equal(made.code, 0, made.stderr);
      const bot = JSON.parse(made.stdout).bot as { id: string };
      botToken = JSON.parse(made.stdout).token as string;
      const group = await createGroup(server.url, admin, [alice], title);
      await addMembers(server.url, admin, group.id, [
        { id: bot.id, username: "", password: "", token: "" },
      ]);
    });

    after(async () => {
      await receiver.stop();
      await server.stop();
      removeConfigDirs();
    });

    it("bot subscribe prints the secret once; subscriptions lists it; unsubscribe deletes it", async () => {
      const url = receiver.url("/events");
      const made = await run(
        ["bot", "subscribe", "@shipbot", url, "message.new", "mention"],
        adminDir,
      );
      assert.equal(made.code, 0, made.stderr);
      assert.match(made.stdout, /^pcs_\S+\n$/);
      assert.match(made.stderr, /shown once/);
      const second = await run(
        ["bot", "subscribe", "shipbot", receiver.url("/more"), "reaction", "--json"],
        adminDir,
      );
      assert.equal(second.code, 0, second.stderr);
      const created = JSON.parse(second.stdout) as { subscription: Subscription; secret: string };
      assert.match(created.secret, /^pcs_/);
      assert.deepEqual(created.subscription.events, ["reaction"]);

      const listed = await run(["bot", "subscriptions", "shipbot", "--json"], adminDir);
      assert.equal(listed.code, 0, listed.stderr);
      const subscriptions = JSON.parse(listed.stdout) as Subscription[];
      assert.equal(subscriptions.length, 2);
      const first = subscriptions.find((s) => s.url === url);
      assert.ok(first, listed.stdout);
      assert.deepEqual(first.events, ["message.new", "mention"]);
      assert.ok(!listed.stdout.includes(created.secret), "no secret in the listing");

      const table = await run(["bot", "subscriptions", "@shipbot"], adminDir);
      assert.equal(table.code, 0, table.stderr);
      const line = table.stdout.split("\n").find((l) => l.startsWith(first.id)) ?? "";
      assert.ok(line.includes(url), table.stdout);
      assert.match(line, /message\.new,mention\s+queued \d+/);
      assert.match(line, /not tried yet|ok |failing: /);

      const removed = await run(["bot", "unsubscribe", "shipbot", first.id], adminDir);
      assert.equal(removed.code, 0, removed.stderr);
      assert.match(removed.stdout, new RegExp(`deleted subscription ${first.id}`));
      const json = await run(
        ["bot", "unsubscribe", "shipbot", created.subscription.id, "--json"],
        adminDir,
      );
      assert.deepEqual(JSON.parse(json.stdout), { deleted: created.subscription.id });
      const empty = await run(["bot", "subscriptions", "shipbot"], adminDir);
      assert.equal(empty.stdout, "");
      assert.match(empty.stderr, /no subscriptions/);
      const again = await run(["bot", "unsubscribe", "shipbot", first.id], adminDir);
      assert.equal(again.code, 1);
      assert.match(again.stderr, /^chat-client: not_found: /);
      // The bot's own program, with the bot's token, sets up its own subscription.
      const env = { CHAT_TOKEN: botToken, CHAT_SERVER: server.url };
      const own = await run(
        ["bot", "subscribe", "@shipbot", url, "mention", "--json"],
        configDir(),
        undefined,
        { env },
      );
      assert.equal(own.code, 0, own.stderr);
      const ownId = (JSON.parse(own.stdout) as { subscription: Subscription }).subscription.id;
      const gone = await run(["bot", "unsubscribe", "shipbot", ownId], configDir(), undefined, {
        env,
      });
      assert.equal(gone.code, 0, gone.stderr);
    });

    it("refuses an http URL, an unknown event or bot, and a wrong command line, with exit 1", async () => {
      for (const args of [
        ["bot", "subscribe", "shipbot", "http://127.0.0.1/events", "message.new"],
        ["bot", "command", "add", "shipbot", `plain${unique}`, "http://127.0.0.1/command"],
      ]) {
        const result = await run(args, adminDir);
        assert.equal(result.code, 1, `${args.join(" ")}: ${result.stderr}`);
        assert.match(result.stderr, /^chat-client: invalid_url: only https URLs are allowed\n$/);
        assert.equal(result.stdout, "");
      }
      const cases = [
        [["bot", "subscribe", "shipbot", receiver.url("/e"), "message.sent"], /unknown event/],
        [["bot", "subscribe", "shipbot", receiver.url("/e")], /at least one event/],
        [["bot", "subscribe", "nobot", receiver.url("/e"), "mention"], /no bot "nobot"/],
        [["bot", "subscriptions"], /missing <bot>/],
        [["bot", "unsubscribe", "shipbot"], /missing <subscription-id>/],
        [["bot", "command", "add", "shipbot", "Bad Name", receiver.url("/c")], /command name/],
        [["bot", "command", "list", "shipbot", "--usage", "x"], /only add takes/],
        [["bot", "list", "--description", "x"], /does not take --description/],
        [["bot", "command", "frobnicate"], /say add, list or remove/],
        [["run", title, "deploy now"], /is not a command/],
      ] as const;
      for (const [args, text] of cases) {
        const result = await run([...args], adminDir);
        assert.equal(result.code, 1, `${args.join(" ")}: ${result.stderr}`);
        assert.match(result.stderr, text, args.join(" "));
      }
    });

    it("bot command add, list and remove manage a command; commands lists it for members", async () => {
      const name = `deploy${unique}`;
      const made = await run(
        [
          "bot",
          "command",
          "add",
          "@shipbot",
          `/${name}`,
          receiver.url("/command"),
          "--description",
          "Deploys a branch",
          "--usage",
          "<environment>",
        ],
        adminDir,
      );
      assert.equal(made.code, 0, made.stderr);
      assert.match(made.stdout, /^pcs_\S+\n$/);
      assert.match(made.stderr, new RegExp(`/${name} .*shown once`));

      const listed = await run(["bot", "command", "list", "shipbot"], adminDir);
      assert.equal(listed.code, 0, listed.stderr);
      assert.match(listed.stdout, new RegExp(`/${name} <environment>\\s+https://127\\.0\\.0\\.1`));
      assert.match(listed.stdout, /Deploys a branch/);
      const json = await run(["bot", "command", "list", "shipbot", "--json"], adminDir);
      const commands = JSON.parse(json.stdout) as { id: string; name: string; usage: string }[];
      assert.deepEqual(
        commands.map((c) => [c.name, c.usage]),
        [[name, "<environment>"]],
      );

      const available = await run(["commands", title], aliceDir);
      assert.equal(available.code, 0, available.stderr);
      assert.match(available.stdout, new RegExp(`^/${name} <environment>\\s+@shipbot\\s+Deploys`));
      const availableJson = await run(["commands", title, "--json"], aliceDir);
      const seen = JSON.parse(availableJson.stdout) as {
        name: string;
        bot: { username: string };
      }[];
      assert.deepEqual(
        seen.map((c) => [c.name, c.bot.username]),
        [[name, "shipbot"]],
      );
      assert.ok(!availableJson.stdout.includes("127.0.0.1"), "members see no URL");

      const removed = await run(["bot", "command", "remove", "shipbot", `/${name}`], adminDir);
      assert.equal(removed.code, 0, removed.stderr);
      assert.equal(removed.stdout, `removed /${name}\n`);
      const gone = await run(["commands", title], aliceDir);
      assert.equal(gone.stdout, "");
      assert.match(gone.stderr, /no commands here/);
      const again = await run(
        ["bot", "command", "remove", "shipbot", commands[0]?.id ?? ""],
        adminDir,
      );
      assert.equal(again.code, 1);
      assert.match(again.stderr, /^chat-client: not_found: /);
    });

    it("run prints the bot's answer with exit 0, and exits 3 when the bot does not answer", async () => {
      const name = `ship${unique}`;
      const made = await run(
        ["bot", "command", "add", "shipbot", name, receiver.url("/run"), "--json"],
        adminDir,
      );
      assert.equal(made.code, 0, made.stderr);

      receiver.answer = () => ({
        status: 200,
        body: JSON.stringify({ text: "deploying prod\nstep 1 of 2" }),
      });
      const answered = await run(["run", title, `/${name}`, "prod", "now"], aliceDir);
      assert.equal(answered.code, 0, answered.stderr);
      assert.equal(answered.stdout, "deploying prod\nstep 1 of 2\n");
      assert.match(answered.stderr, /only you see this/);
      const request = JSON.parse(receiver.at("/run").at(-1)?.body ?? "{}");
      assert.equal(request.command, `/${name}`);
      assert.equal(request.text, "prod now");
      assert.equal(request.user.id, alice.id);

      // A script running with a personal access token (CHAT_TOKEN), --json.
      const token = await run(
        ["token", "create", "ops", "--scope", "conversations:read", "--scope", "messages:write"],
        aliceDir,
      );
      assert.equal(token.code, 0, token.stderr);
      const env = { CHAT_TOKEN: token.stdout.trim(), CHAT_SERVER: server.url };
      const scripted = await run(["run", title, name, "--json"], configDir(), undefined, { env });
      assert.equal(scripted.code, 0, scripted.stderr);
      const result = JSON.parse(scripted.stdout);
      assert.equal(result.outcome, "answered");
      assert.equal(result.text, "deploying prod\nstep 1 of 2");
      assert.equal(JSON.parse(receiver.at("/run").at(-1)?.body ?? "{}").text, "");
      // Managing a bot stays with a sign-in: a personal access token is refused.
      const refused = await run(["bot", "subscriptions", "shipbot"], configDir(), undefined, {
        env,
      });
      assert.equal(refused.code, 1, refused.stderr);

      receiver.answer = () => ({
        status: 200,
        body: JSON.stringify({ text: "prod is *live*", visibility: "conversation" }),
      });
      const posted = await run(["run", title, `/${name}`], aliceDir);
      assert.equal(posted.code, 0, posted.stderr);
      assert.match(posted.stdout, /^\d\d:\d\d shipbot prod is live\n$/);
      assert.match(posted.stderr, /answered in the conversation/);

      receiver.answer = () => ({ status: 500, body: "{}" });
      const failed = await run(["run", title, `/${name}`, "prod"], aliceDir);
      assert.equal(failed.code, 3, failed.stderr);
      assert.equal(failed.stdout, "");
      assert.equal(
        failed.stderr,
        `chat-client: no_answer: /${name} did not answer (it answered 500)\n`,
      );
      const failedJson = await run(["run", title, `/${name}`, "--json"], aliceDir);
      assert.equal(failedJson.code, 3, failedJson.stderr);
      assert.equal(JSON.parse(failedJson.stdout).outcome, "no_answer");

      const missing = await run(["run", title, "/nosuchcommand"], aliceDir);
      assert.equal(missing.code, 1, missing.stderr);
      assert.match(missing.stderr, /^chat-client: not_found: /);
      receiver.answer = () => ({ status: 200 });
    });
  });
}
