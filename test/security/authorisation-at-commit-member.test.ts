/**
 * Authorisation holds for the whole request, not only at its headers: a member's own
 * changes. Each attack opens a raw HTTP request, sends its headers and all of its body but
 * the last byte (so the door's check has passed), takes the caller's right away through
 * another request (revoke the session, revoke every session, disable the account), then
 * sends the last byte: the change must be refused with the door's own error code and
 * nothing of it written. Messages, edits, reactions, renames, password changes and
 * uploads; the admin routes are in authorisation-at-commit-admin.test.ts. Both engines;
 * the PostgreSQL pass runs as a cluster node does.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { it } from "node:test";
import { filesUnder } from "../attachments/support.js";
import { createGroup } from "../helpers/chat.js";
import { forEachEngine } from "../helpers/engines.js";
import { createUser, uniqueUsername } from "../helpers/factories.js";
import {
  API,
  commitFixture,
  json,
  multipart,
  QUOTA,
  refused,
  slowRequest,
} from "./commit-fixture.js";

forEachEngine(
  "a member's change is authorised again when the body is complete",
  { redis: true },
  (run) => {
    const fx = commitFixture(run);

    for (const [what, { code, act }] of Object.entries(fx.takeAway)) {
      it(`a message whose body completes after ${what} is not sent`, async () => {
        const sender = await createUser(fx.server.url);
        const reader = await createUser(fx.server.url);
        const group = await createGroup(fx.server.url, reader, [sender]);
        const body = `late message ${uniqueUsername()}`;
        const slow = await slowRequest(
          fx.port,
          "POST",
          `${API}/conversations/${group.id}/messages`,
          sender.token,
          json({ body }),
        );
        await act(sender);
        const answer = await slow.finish();
        refused(answer, code);
        const again = await fx.secondSession(reader);
        assert.ok(!(await fx.bodiesIn(group.id, again)).includes(body), "nothing was stored");
      });
    }

    it("an edit, a reaction and a rename that complete after a revoke change nothing", async () => {
      const author = await createUser(fx.server.url);
      const other = await createUser(fx.server.url);
      const group = await createGroup(fx.server.url, author, [other], "before");
      const sent = await fx
        .api()
        .post(`${API}/conversations/${group.id}/messages`, { body: "original" }, fx.as(author));
      assert.equal(sent.status, 201, sent.text);
      const messageId = sent.body.id as string;
      const edit = await slowRequest(
        fx.port,
        "PATCH",
        `${API}/messages/${messageId}`,
        author.token,
        json({ body: "edited late" }),
      );
      const react = await slowRequest(
        fx.port,
        "POST",
        `${API}/messages/${messageId}/reactions`,
        author.token,
        json({ emoji: "👍" }),
      );
      const rename = await slowRequest(
        fx.port,
        "PATCH",
        `${API}/conversations/${group.id}`,
        author.token,
        json({ title: "after" }),
      );
      await fx.revokeSession(author);
      for (const slow of [edit, react, rename]) refused(await slow.finish(), "session_revoked");
      const history = await fx.api().get(`${API}/conversations/${group.id}/messages`, fx.as(other));
      const message = history.body.messages.find((m: { id: string }) => m.id === messageId);
      assert.equal(message.body, "original");
      assert.deepEqual(message.reactions ?? [], []);
      const conversation = await fx.api().get(`${API}/conversations/${group.id}`, fx.as(other));
      assert.equal(conversation.body.title, "before");
    });

    // --- password -----------------------------------------------------------------------

    for (const [what, away] of Object.entries(fx.takeAway)) {
      it(`a password change completing after ${what} keeps the old password`, async () => {
        const user = await createUser(fx.server.url);
        const slow = await slowRequest(
          fx.port,
          "POST",
          `${API}/auth/password`,
          user.token,
          json({ current_password: user.password, new_password: "pw-test-a brand new one" }),
        );
        await away.act(user);
        refused(await slow.finish(), away.code);
        await fx.restore(user, away);
        const login = await fx.api().post(`${API}/auth/login`, {
          username: user.username,
          password: user.password,
        });
        assert.equal(login.status, 200, "the old password still signs in");
      });
    }

    // --- uploads ------------------------------------------------------------------------

    for (const [what, away] of Object.entries(fx.takeAway)) {
      it(`an upload finished after ${what} stores nothing and uses no quota`, async () => {
        const user = await createUser(fx.server.url);
        const group = await createGroup(fx.server.url, user, []);
        const uploads = join(fx.server.dir, "uploads");
        const stored = filesUnder(uploads).sort();
        const file = Buffer.alloc(QUOTA, `${what}:`);
        const form = multipart("late.bin", file);
        const slow = await slowRequest(
          fx.port,
          "POST",
          `${API}/conversations/${group.id}/attachments`,
          user.token,
          form.body,
          form.contentType,
          // The file itself is unfinished: the part ends only at its closing boundary.
          form.fileEnd,
        );
        await away.act(user);
        refused(await slow.finish(), away.code);
        assert.deepEqual(filesUnder(uploads).sort(), stored, "no file is kept");
        await fx.restore(user, away);
        // The whole quota is still there: the same size fits again.
        const again = await fx.secondSession(user);
        const res = await fetch(
          new URL(`${API}/conversations/${group.id}/attachments`, fx.server.url),
          {
            method: "POST",
            headers: { authorization: `Bearer ${again.token}`, "content-type": form.contentType },
            body: form.body,
          },
        );
        assert.equal(res.status, 201, await res.text());
      });
    }
  },
);
