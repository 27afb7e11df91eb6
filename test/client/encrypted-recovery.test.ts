/**
 * chat-client stopped between making a commit and seeing it back (a crash, a lost
 * connection), on each storage engine: the commit was saved beside the group's state
 * before it left, so the next command knows it as its own when the server took it, sends
 * it again when the server never got it, and joins another member's set-up when that one
 * won. Each case leaves the files as a client stopped at that point would.
 */
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { after, before, it } from "node:test";
import { ApiClient } from "@private-chat/sdk";
import {
  type Change,
  EncryptedGroup,
  fromBase64Url,
  type HeldKeyPackage,
  loadDevice,
  SETUP_CLIENT_ID,
  toBase64Url,
} from "@private-chat/sdk/mls";
import {
  type Client,
  loggedIn,
  removeConfigDirs,
  run,
  start,
  stop,
  waitFor,
} from "../helpers/client-cli.js";
import { forEachEngine } from "../helpers/engines.js";
import { createUser, type TestUser } from "../helpers/factories.js";
import type { TestServer } from "../helpers/server.js";

forEachEngine("chat-client: encrypted conversations after a stop midway", (engine) => {
  let server: TestServer;
  const tails: Client[] = [];
  const api = (user: TestUser) => new ApiClient({ baseUrl: server.url, token: user.token });

  before(async () => {
    server = await engine.start({ rate_limit: { enabled: false } });
  });

  after(async () => {
    for (const tail of tails) stop(tail);
    await server.stop();
    removeConfigDirs();
  });

  /** A person logged in on a new installation that has made its device. */
  async function installation(): Promise<{ user: TestUser; dir: string }> {
    const user = await createUser(server.url);
    const dir = loggedIn(server.url, user);
    const made = await run(["devices", "add"], dir);
    assert.equal(made.code, 0, made.stderr);
    return { user, dir };
  }

  const deviceOf = (dir: string, user: TestUser) =>
    loadDevice(JSON.parse(readFileSync(join(dir, `device-${user.id}.json`), "utf8")));
  const stateFile = (dir: string, user: TestUser, conversationId: string) =>
    join(dir, `e2ee-${user.id}`, `${conversationId}.json`);

  /** Adds `joiner`'s devices to the group in `state`, as the client would: pending, saved. */
  async function pendingAdd(
    owner: TestUser,
    group: EncryptedGroup,
    joiner: TestUser,
  ): Promise<Change> {
    const claimed = await api(owner).devices.claimKeyPackages(joiner.id);
    return group.add(claimed.map((c) => fromBase64Url(c.key_package)));
  }

  function savePending(
    path: string,
    state: Record<string, unknown>,
    group: EncryptedGroup,
    clientId: string,
  ) {
    const pending = group.savePending();
    assert.ok(pending);
    const b64 = toBase64Url;
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    writeFileSync(
      path,
      JSON.stringify({
        ...state,
        group: b64(group.save()),
        pending: {
          commit: b64(pending.commit),
          ...(pending.welcome ? { welcome: b64(pending.welcome) } : {}),
          state: b64(pending.state),
          client_id: clientId,
        },
      }),
    );
  }

  async function reads(dir: string, name: string, text: string) {
    const tail = start(["tail", name, "--history", "5"], dir);
    tails.push(tail);
    await waitFor(text, tail.stdout, (s) => s.includes(text));
    stop(tail);
  }

  const commitsUnder = async (owner: TestUser, conversationId: string, clientId: string) =>
    (await api(owner).history(conversationId, { limit: 100 })).filter(
      (m) => m.client_id === clientId,
    ).length;

  for (const sent of [true, false]) {
    it(`a membership commit ${sent ? "the server took" : "that never left"} before the stop`, async () => {
      const alice = await installation();
      const bob = await installation();
      const carol = await createUser(server.url);
      const carolDir = loggedIn(server.url, carol);
      const title = sent ? "Taken" : "Unsent";
      const made = await run(
        ["group", "create", title, bob.user.username, carol.username, "--encrypted", "--json"],
        alice.dir,
      );
      assert.equal(made.code, 0, made.stderr);
      const id: string = JSON.parse(made.stdout).id;
      assert.equal((await run(["devices", "add"], carolDir)).code, 0);

      const path = stateFile(alice.dir, alice.user, id);
      const state = JSON.parse(readFileSync(path, "utf8"));
      const group = EncryptedGroup.load(
        deviceOf(alice.dir, alice.user).keys,
        fromBase64Url(state.group),
      );
      const change = await pendingAdd(alice.user, group, carol);
      savePending(path, state, group, "commit-1");
      if (sent)
        await api(alice.user).sendMessage(id, {
          body: toBase64Url(change.commit),
          mls: change.welcome ? { welcome: toBase64Url(change.welcome) } : {},
          client_id: "commit-1",
        });

      const next = await run(["send", title, "after the stop"], alice.dir);
      assert.equal(next.code, 0, next.stderr);
      assert.equal(await commitsUnder(alice.user, id, "commit-1"), 1, "the commit, once");
      const kept = JSON.parse(readFileSync(path, "utf8"));
      assert.equal(kept.pending, undefined);
      await reads(carolDir, title, "after the stop");
      await reads(bob.dir, title, "after the stop");
    });
  }

  /** Alice's set-up of an encrypted chat with Dave, saved and never sent. */
  async function unsentSetUp() {
    const alice = await installation();
    const dave = await installation();
    const conversation = await api(alice.user).createConversation({
      type: "direct",
      member_ids: [dave.user.id],
      encrypted: true,
    });
    const device = deviceOf(alice.dir, alice.user);
    const group = await EncryptedGroup.create(
      device.keys,
      conversation.id,
      device.held[1] as HeldKeyPackage,
    );
    await pendingAdd(alice.user, group, dave.user);
    const path = stateFile(alice.dir, alice.user, conversation.id);
    savePending(path, { seq: 0, messages: {} }, group, SETUP_CLIENT_ID);
    return { alice, dave, id: conversation.id };
  }

  it("a set-up commit that never left is sent with the next message", async () => {
    const { alice, dave, id } = await unsentSetUp();
    const next = await run(["send", id, "hello after the stop"], alice.dir);
    assert.equal(next.code, 0, next.stderr);
    assert.equal(await commitsUnder(alice.user, id, SETUP_CLIENT_ID), 1);
    await reads(dave.dir, id, "hello after the stop");
  });

  it("a set-up commit that lost to another member's joins theirs", async () => {
    const { alice, dave, id } = await unsentSetUp();
    const first = await run(["send", id, "I set it up first"], dave.dir);
    assert.equal(first.code, 0, first.stderr);
    await reads(alice.dir, id, "I set it up first");
    const answer = await run(["send", id, "so you did"], alice.dir);
    assert.equal(answer.code, 0, answer.stderr);
    await reads(dave.dir, id, "so you did");
  });
});
