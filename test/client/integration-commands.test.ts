/**
 * chat-client token, bot and hook, run as child processes against a real server: a token
 * printed once that a script then runs with (CHAT_TOKEN) until it is revoked, a bot and
 * its tokens, a group's webhook whose URL posts until deleted; and their errors.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createGroup } from "../helpers/chat.js";
import { configDir, loggedIn, removeConfigDirs, run } from "../helpers/client-cli.js";
import { createUser, type TestUser } from "../helpers/factories.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

describe("chat-client token, bot and hook", () => {
  let server: TestServer;
  let admin: TestUser;
  let adminDir: string;
  const title = "Release train";

  before(async () => {
    server = await startTestServer({ rate_limit: { enabled: false } });
    admin = await createUser(server.url); // the first account: an administrator
    adminDir = loggedIn(server.url, admin);
    await createGroup(server.url, admin, [], title);
  });

  after(async () => {
    await server.stop();
    removeConfigDirs();
  });

  it("token create prints a token a script runs with until token revoke", async () => {
    const made = await run(
      ["token", "create", "ci", "--scope", "messages:write", "--scope", "conversations:read"],
      adminDir,
    );
    assert.equal(made.code, 0, made.stderr);
    const token = made.stdout.trim();
    assert.match(token, /^pct_[A-Za-z0-9]{40}$/);
    // send goes through the socket, which needs messages:read: a plain error, not "log in".
    const narrow = { CHAT_TOKEN: token, CHAT_SERVER: server.url };
    const short = await run(["send", title, "from a script"], configDir(), undefined, {
      env: narrow,
    });
    assert.equal(short.code, 1, short.stderr);
    assert.match(short.stderr, /^chat-client: insufficient_scope: .*messages:read/);
    const wide = await run(
      ["token", "create", "ci2", "--scope", "messages:read", "--scope", "messages:write"].concat([
        "--scope",
        "conversations:read",
      ]),
      adminDir,
    );
    const env = { CHAT_TOKEN: wide.stdout.trim(), CHAT_SERVER: server.url };
    const sent = await run(["send", title, "from a script"], configDir(), undefined, { env });
    assert.equal(sent.code, 0, sent.stderr);

    const listed = await run(["token", "list", "--json"], adminDir);
    assert.equal(listed.code, 0, listed.stderr);
    const tokens = JSON.parse(listed.stdout) as { id: string; name: string; scopes: string[] }[];
    const ci = tokens.find((t) => t.name === "ci2");
    assert.deepEqual(ci?.scopes, ["conversations:read", "messages:read", "messages:write"]);
    assert.ok(!listed.stdout.includes(token));
    const text = await run(["token", "list"], adminDir);
    assert.match(text.stdout, /ci\s+conversations:read,messages:write/);
    assert.match(text.stdout, /ci2\s+conversations:read,messages:read,messages:write/);

    const revoked = await run(["token", "revoke", ci?.id ?? ""], adminDir);
    assert.equal(revoked.code, 0, revoked.stderr);
    const refused = await run(["send", title, "too late"], configDir(), undefined, { env });
    assert.equal(refused.code, 2, refused.stderr);
  });

  it("token refuses what is wrong with a clear message and exit 1", async () => {
    for (const args of [
      ["token", "create", "x"],
      ["token", "create", "x", "--scope", "everything"],
      ["token", "create", "x", "--scope", "messages:read", "--expires-in-days", "0"],
      ["token", "create"],
      ["token", "revoke", "no-such-token"],
      ["token", "frobnicate"],
    ]) {
      const result = await run(args, adminDir);
      assert.equal(result.code, 1, `${args.join(" ")}: ${result.stderr}`);
      assert.match(result.stderr, /^chat-client: /, args.join(" "));
    }
  });

  it("bot create prints the bot's token; list, tokens and delete manage it", async () => {
    const made = await run(["bot", "create", "@buildbot", "--display-name", "Builds"], adminDir);
    assert.equal(made.code, 0, made.stderr);
    const token = made.stdout.trim();
    assert.match(token, /^pct_/);
    const whoami = await run(["whoami", "--json"], configDir(), undefined, {
      env: { CHAT_TOKEN: token, CHAT_SERVER: server.url },
    });
    assert.equal(whoami.code, 0, whoami.stderr);
    assert.match(whoami.stdout, /buildbot/);
    const list = await run(["bot", "list"], adminDir);
    assert.match(list.stdout, /@buildbot\s+Builds/);
    const tokens = await run(["bot", "tokens", "buildbot", "--json"], adminDir);
    assert.equal(JSON.parse(tokens.stdout).length, 1);
    const deleted = await run(["bot", "delete", "buildbot"], adminDir);
    assert.equal(deleted.code, 0, deleted.stderr);
    const gone = await run(["bot", "delete", "buildbot"], adminDir);
    assert.equal(gone.code, 1);
  });

  it("hook create prints a URL that posts into the group until hook delete", async () => {
    const made = await run(["hook", "create", title, "CI", "builds", "--json"], adminDir);
    assert.equal(made.code, 0, made.stderr);
    const hook = JSON.parse(made.stdout) as { id: string; url: string; name: string };
    assert.equal(hook.name, "CI builds");
    const post = () =>
      fetch(hook.url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ text: "build *passed*" }),
      });
    assert.equal((await post()).status, 200);
    const list = await run(["hook", "list", title], adminDir);
    assert.match(list.stdout, new RegExp(`${hook.id}\\s+CI builds`));
    const deleted = await run(["hook", "delete", hook.id], adminDir);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.equal((await post()).status, 404);
    for (const args of [
      ["hook", "create", title],
      ["hook", "list"],
      ["hook", "delete"],
    ]) {
      const result = await run(args, adminDir);
      assert.equal(result.code, 1, `${args.join(" ")}: ${result.stderr}`);
    }
  });
});
