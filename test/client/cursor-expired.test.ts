/**
 * `chat-client tail` away longer than the server's event log keeps: when it is back the
 * server says its cursor expired, and it prints the messages it missed (once each, in
 * order) from the history, says so on stderr, and follows live again. The client is cut
 * off through a proxy; the events it missed are aged and swept by rewriting timestamps.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ApiClient } from "@private-chat/sdk";
import { DAY_MS } from "../../src/messages/retention-policy.js";
import { loggedIn, removeConfigDirs, start, stop, waitFor } from "../helpers/client-cli.js";
import { createUser, type TestUser } from "../helpers/factories.js";
import { type FlakyProxy, startProxy } from "../helpers/proxy.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

describe("chat-client tail after its cursor expired", () => {
  let server: TestServer;
  let proxy: FlakyProxy;
  let alice: TestUser;
  let bob: TestUser;
  let directId: string;
  const bobApi = () => new ApiClient({ baseUrl: server.url, token: bob.token });

  before(async () => {
    server = await startTestServer({ rate_limit: { enabled: false } });
    proxy = await startProxy(server.url);
    alice = await createUser(server.url);
    bob = await createUser(server.url);
    const direct = await bobApi().createConversation({ type: "direct", member_ids: [alice.id] });
    directId = direct.id;
  });

  after(async () => {
    await proxy.close();
    await server.stop();
    removeConfigDirs();
  });

  it("prints what it missed and follows on", async () => {
    const dir = loggedIn(proxy.url, alice);
    await bobApi().sendMessage(directId, { body: "before going away" });
    const tail = start(["tail", `@${bob.username}`, "--history", "1"], dir);
    try {
      await waitFor("history", tail.stdout, (s) => s.includes("before going away"));
      proxy.setDown(true);
      proxy.cut();
      await waitFor("a status line", tail.stderr, (s) => s.includes("reconnecting"));
      await bobApi().sendMessage(directId, { body: "missed one" });
      await bobApi().sendMessage(directId, { body: "missed two" });
      await server.ctx.store.db
        .updateTable("events")
        .set({ created_at: Date.now() - 31 * DAY_MS })
        .execute();
      await server.ctx.retention.sweep();
      proxy.setDown(false);
      await waitFor("the missed messages", tail.stdout, (s) => s.includes("missed two"));
      await waitFor("the notice", tail.stderr, (s) => s.includes("some events were missed"));
      await bobApi().sendMessage(directId, { body: "live again" });
      await waitFor("a live message", tail.stdout, (s) => s.includes("live again"));
      const lines = tail.stdout().trim().split("\n");
      assert.equal(lines.length, 4, tail.stdout());
      const bodies = ["before going away", "missed one", "missed two", "live again"];
      for (const [i, body] of bodies.entries())
        assert.ok(lines[i]?.endsWith(` ${body}`), tail.stdout());
    } finally {
      stop(tail);
    }
  });
});
