/**
 * Deleting an account, on both engines: by its person (with the password) and by an
 * admin. The account's sessions end and its open socket closes, its name is free again,
 * its push subscriptions, blocks and unsent uploads go, it leaves its groups (the owner's
 * role passes on), and it shows as "Deleted user" where it still appears. With
 * `[accounts] on_delete = "anonymize"` its messages stay; with "erase" they are erased for
 * real (sync, search, the SQLite file). Admins may not delete the last admin, and a
 * deleted account cannot be changed or enabled again.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { before, it } from "node:test";
import type { ConversationView } from "@private-chat/protocol/chat";
import { uploadOk } from "../attachments/support.js";
import { createDirect, createGroup, sendMessage } from "../helpers/chat.js";
import { runCli } from "../helpers/cli.js";
import { forEachEngine } from "../helpers/engines.js";
import { createUser, type TestUser } from "../helpers/factories.js";
import type { client } from "../helpers/http.js";
import type { TestServer } from "../helpers/server.js";
import { connect } from "../helpers/socket.js";
import { erasureChecks, uniqueWord } from "./erasure-fixture.js";
import { messagesApi, V1 } from "./messages-fixture.js";

for (const mode of ["anonymize", "erase"] as const) {
  forEachEngine(`account deletion (${mode})`, (run) => {
    let server: TestServer;
    let api: ReturnType<typeof client>;
    let admin: TestUser;
    const { started, as, users, history, conversation } = messagesApi(run, {
      accounts: { on_delete: mode },
    });
    before(async () => {
      ({ server, api } = started());
      // The first account on a server is its administrator.
      admin = await createUser(server.url);
    });
    const { db, syncText, searchFinds, fileBytes } = erasureChecks(started);

    const deleteMe = (user: TestUser, password = user.password) =>
      api.delete(`${V1}/me`, { ...as(user), body: { password } });
    /** Waits for the background erasure to finish (a sweep started by the deletion). */
    const erased = () => server.ctx.retention.sweep();

    it("asks for the password, then ends everything the account had", async () => {
      const [leaver, friend, other] = (await users(3)) as [TestUser, TestUser, TestUser];
      const group = await createGroup(server.url, leaver, [friend, other], "left behind");
      const direct = await createDirect(server.url, friend, leaver);
      const word = uniqueWord("kept");
      await sendMessage(server.url, leaver, group.id, `in the group ${word}`);
      await sendMessage(server.url, leaver, direct.id, `in private ${word}`);
      const unsent = await uploadOk(server.url, leaver, group.id, Buffer.from("never sent"));
      assert.equal((await api.post(`${V1}/blocks`, { user_id: other.id }, as(leaver))).status, 201);
      const socket = await connect(server.url, leaver.token);

      const wrong = await deleteMe(leaver, "not the password");
      assert.equal(wrong.status, 401, wrong.text);
      assert.equal(wrong.body.error.code, "invalid_credentials");
      const missing = await api.delete(`${V1}/me`, as(leaver));
      assert.equal(missing.status, 400, missing.text);
      assert.equal((await api.get(`${V1}/me`, as(leaver))).status, 200, "nothing happened yet");

      const done = await deleteMe(leaver);
      assert.equal(done.status, 204, done.text);
      assert.equal((await socket.closed).code, 4401, "its open socket closes");
      assert.equal((await api.get(`${V1}/me`, as(leaver))).status, 401, "its token is dead");
      const login = await api.post(`${V1}/auth/login`, {
        username: leaver.username,
        password: leaver.password,
      });
      assert.equal(login.status, 401, "it cannot sign in");
      assert.equal((await deleteMe(leaver)).status, 401);

      // Its name is free for someone else, who gets nothing of the old account.
      const successor = await createUser(server.url, { username: leaver.username });
      assert.notEqual(successor.id, leaver.id);
      const theirs = await api.get<{ conversations: ConversationView[] }>(
        `${V1}/conversations`,
        as(successor),
      );
      assert.deepEqual(theirs.body.conversations, []);

      // It left the group; its owner's role passed on.
      const left = await conversation(friend, group.id);
      assert.ok(!left.members.some((m) => m.user.id === leaver.id));
      assert.ok(left.members.some((m) => m.role === "owner"));
      // In the direct conversation it shows as a deleted user.
      const peer = (await conversation(friend, direct.id)).members.find(
        (m) => m.user.id === leaver.id,
      );
      assert.equal(peer?.user.display_name, "Deleted user");
      assert.equal(peer?.user.deleted, true);
      assert.notEqual(peer?.user.username, leaver.username);
      // Nobody finds it among users.
      const found = await api.get<{ users: { id: string }[] }>(
        `${V1}/users?q=${encodeURIComponent(leaver.username)}`,
        as(friend),
      );
      assert.ok(!found.body.users.some((u) => u.id === leaver.id));

      const sessions = await db()
        .selectFrom("sessions")
        .select("revoked_at")
        .where("user_id", "=", leaver.id)
        .execute();
      assert.ok(sessions.length > 0 && sessions.every((s) => s.revoked_at !== null));
      const blocks = await db()
        .selectFrom("blocks")
        .selectAll()
        .where("blocker_id", "=", leaver.id)
        .execute();
      assert.deepEqual(blocks, []);
      const upload = await db()
        .selectFrom("attachments")
        .select("deleted_at")
        .where("id", "=", unsent.id)
        .executeTakeFirst();
      assert.ok(upload === undefined || upload.deleted_at !== null, "the unsent upload goes");

      const audit = await db()
        .selectFrom("audit_log")
        .selectAll()
        .where("action", "=", "user.delete")
        .where("target_id", "=", leaver.id)
        .executeTakeFirstOrThrow();
      assert.equal(audit.actor_id, leaver.id);
      assert.match(audit.details, new RegExp(`"mode":"${mode}"`));

      // Its messages: kept under the deleted user, or erased for real.
      await erased();
      const groupHistory = await history(friend, group.id);
      const directHistory = await history(friend, direct.id);
      const mine = [...groupHistory, ...directHistory].filter((m) => m.sender_id === leaver.id);
      assert.equal(mine.length, 2);
      if (mode === "anonymize") {
        assert.ok(mine.every((m) => !m.deleted && m.body.includes(word)));
        assert.equal(await searchFinds(friend, word), 2);
      } else {
        assert.ok(mine.every((m) => m.deleted === true && m.body === ""));
        assert.equal(await searchFinds(friend, word), 0);
        assert.ok(!(await syncText(friend)).includes(word), "sync replays none of it");
        const bytes = await fileBytes();
        if (bytes) assert.ok(!bytes.includes(word), "the SQLite file holds none of it");
      }
    });

    it("leaves a direct conversation readable but closed to new messages", async () => {
      const [leaver, friend, stranger] = (await users(3)) as [TestUser, TestUser, TestUser];
      const direct = await createDirect(server.url, friend, leaver);
      const before = await sendMessage(server.url, friend, direct.id, "before the deletion");
      const watching = await connect(server.url, friend.token);
      assert.equal((await deleteMe(leaver)).status, 204);
      // The friend's open client hears at once how the account shows now.
      const updated = await watching.next((f) => f.type === "member.updated");
      assert.equal(updated.conversation_id, direct.id);
      assert.equal(updated.user.id, leaver.id);
      assert.equal(updated.user.display_name, "Deleted user");
      assert.equal(updated.user.deleted, true);
      await watching.close();

      const send = await api.post(
        `${V1}/conversations/${direct.id}/messages`,
        { body: "anyone there?" },
        as(friend),
      );
      assert.equal(send.status, 410, send.text);
      assert.equal(send.body.error.code, "account_deleted");
      const socket = await connect(server.url, friend.token);
      socket.send({ type: "message.send", id: "s1", conversation_id: direct.id, body: "hello?" });
      const refused = await socket.next((f) => f.type === "error" && f.id === "s1");
      assert.equal(refused.code, "account_deleted");
      await socket.close();
      // Someone outside it learns nothing: the conversation is not found for them.
      const outside = await api.post(
        `${V1}/conversations/${direct.id}/messages`,
        { body: "hi" },
        as(stranger),
      );
      assert.equal(outside.status, 404, outside.text);
      // What was there stays, and one's own message can still be edited.
      const shown = await history(friend, direct.id);
      assert.ok(shown.some((m) => m.id === before.id));
      const edit = await api.patch(`${V1}/messages/${before.id}`, { body: "edited" }, as(friend));
      assert.equal(edit.status, 200, edit.text);
    });

    it("is an admin's to do too, but never to the last admin", async () => {
      const [member, helper] = (await users(2)) as [TestUser, TestUser];
      const refused = await api.delete(`${V1}/admin/users/${helper.id}`, as(member));
      assert.equal(refused.status, 403);
      const mine = await api.delete(`${V1}/admin/users/${member.id}`, as(admin));
      assert.equal(mine.status, 204, mine.text);
      assert.equal((await api.get(`${V1}/me`, as(member))).status, 401);
      const again = await api.delete(`${V1}/admin/users/${member.id}`, as(admin));
      assert.equal(again.status, 404);
      assert.equal((await api.delete(`${V1}/admin/users/${randomUUID()}`, as(admin))).status, 404);
      const enable = await api.patch(
        `${V1}/admin/users/${member.id}`,
        { disabled: false },
        as(admin),
      );
      assert.equal(enable.status, 409, "a deleted account stays deleted");
      const listed = await api.get<{ users: { id: string; deleted_at: number | null }[] }>(
        `${V1}/admin/users`,
        as(admin),
      );
      assert.equal(typeof listed.body.users.find((u) => u.id === member.id)?.deleted_at, "number");

      // The only admin may not delete themselves, nor be deleted.
      const alone = await deleteMe(admin);
      assert.equal(alone.status, 409, alone.text);
      assert.equal(alone.body.error.code, "conflict");
      assert.equal((await api.get(`${V1}/me`, as(admin))).status, 200);
    });

    it("chat-server user delete does it from a shell", {
      skip: run.engine !== "sqlite",
    }, async () => {
      const [gone, friend] = (await users(2)) as [TestUser, TestUser];
      const direct = await createDirect(server.url, friend, gone);
      const word = uniqueWord("shell");
      await sendMessage(server.url, gone, direct.id, `from the shell ${word}`);
      const result = await runCli(["user", "delete", gone.username], {
        env: {
          CHAT_DATABASE_PATH: join(server.dir, "chat.db"),
          CHAT_ACCOUNTS_ON_DELETE: mode,
        },
      });
      assert.equal(result.code, 0, result.stderr);
      assert.match(
        result.stdout,
        new RegExp(`deleted ${gone.username} .*messages ${mode === "erase" ? "erased" : "kept"}`),
      );
      const shown = (await history(friend, direct.id)).find((m) => m.sender_id === gone.id);
      assert.equal(shown?.deleted === true, mode === "erase");
      const unknown = await runCli(["user", "delete", gone.username], {
        env: { CHAT_DATABASE_PATH: join(server.dir, "chat.db") },
      });
      assert.notEqual(unknown.code, 0, "the name is gone");
    });
  });
}
