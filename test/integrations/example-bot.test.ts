/**
 * examples/ping-bot.mjs, run as an operator would run it: a child process with the
 * server's URL and a bot's token, answering "!ping" in a group the bot was added to.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { addMembers, createGroup, sendMessage } from "../helpers/chat.js";
import { createUser, type TestUser } from "../helpers/factories.js";
import { request } from "../helpers/http.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { sleep } from "../helpers/socket.js";

const ROOT = join(import.meta.dirname, "..", "..");

describe("the example bot", () => {
  let server: TestServer;
  let child: ChildProcess | undefined;
  let output = "";
  before(async () => {
    server = await startTestServer({ rate_limit: { enabled: false } });
  });
  after(async () => {
    child?.kill("SIGTERM");
    await server?.stop();
  });

  it("answers !ping with pong in a conversation it was added to", async () => {
    const admin = await createUser(server.url);
    const alice = await createUser(server.url);
    const made = await request(server.url, "POST", "/api/v1/bots", {
      token: admin.token,
      body: { username: "pingbot", display_name: "Ping" },
    });
    assert.equal(made.status, 201, made.text);
    const bot: TestUser = { id: made.body.bot.id, username: "pingbot", password: "", token: "" };
    const group = await createGroup(server.url, alice, [], "bot test");
    await addMembers(server.url, alice, group.id, [bot]);

    child = spawn(process.execPath, [join(ROOT, "examples", "ping-bot.mjs")], {
      cwd: ROOT,
      env: { ...process.env, CHAT_SERVER: server.url, CHAT_TOKEN: made.body.token },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout?.on("data", (chunk) => {
      output += chunk;
    });
    child.stderr?.on("data", (chunk) => {
      output += chunk;
    });
    while (!output.includes("ready as pingbot")) {
      assert.equal(child.exitCode, null, `the bot stopped: ${output}`);
      await sleep(50);
    }
    const ping = await sendMessage(server.url, alice, group.id, "!ping");
    for (;;) {
      const page = await request(server.url, "GET", `/api/v1/conversations/${group.id}/messages`, {
        token: alice.token,
      });
      const pong = page.body.messages.find(
        (m: { body: string; sender_id: string }) => m.body === "pong" && m.sender_id === bot.id,
      );
      if (pong) {
        assert.equal(pong.reply_to, ping.id);
        break;
      }
      assert.equal(child.exitCode, null, `the bot stopped: ${output}`);
      await sleep(100);
    }
  });

  it("says what it needs when started without a token", async () => {
    const bare = spawn(process.execPath, [join(ROOT, "examples", "ping-bot.mjs")], {
      cwd: ROOT,
      env: { ...process.env, CHAT_SERVER: "", CHAT_TOKEN: "" },
    });
    let err = "";
    bare.stderr.on("data", (chunk) => {
      err += chunk;
    });
    const code = await new Promise((resolve) => bare.on("exit", resolve));
    assert.equal(code, 64);
    assert.match(err, /CHAT_TOKEN/);
  });
});
