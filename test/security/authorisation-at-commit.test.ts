/**
 * Authorisation holds for the whole request, not only at its headers. Each attack opens a
 * raw HTTP request, sends its headers and all of its body but the last byte (so the door's
 * check has passed), takes the caller's right away through another request (revoke the
 * session, revoke every session, disable the account, remove the admin right), then
 * sends the last byte: the change must be refused with the door's own error code and
 * nothing of it written. Both engines; the PostgreSQL pass runs as a cluster node does.
 */
import assert from "node:assert/strict";
import { connect as tcpConnect } from "node:net";
import { join } from "node:path";
import { after, before, it } from "node:test";
import { filesUnder } from "../attachments/support.js";
import { createGroup } from "../helpers/chat.js";
import { forEachEngine } from "../helpers/engines.js";
import { createUser, type TestUser, uniqueUsername } from "../helpers/factories.js";
import { client } from "../helpers/http.js";
import type { TestServer } from "../helpers/server.js";
import { sleep } from "../helpers/socket.js";

const API = "/api/v1";
// Long enough for the server to have read the headers and run the door's check.
const HEADERS_SETTLE_MS = 150;

interface RawAnswer {
  status: number;
  body: any;
}

interface SlowRequest {
  /** Sends the withheld last byte and waits for the answer. */
  finish(): Promise<RawAnswer>;
}

function parseAnswer(raw: Buffer): RawAnswer {
  const text = raw.toString("utf8");
  const status = /^HTTP\/1\.1 (\d{3}) /.exec(text)?.[1];
  if (!status) throw new Error(`no HTTP answer: ${JSON.stringify(text.slice(0, 200))}`);
  const body = text.slice(text.indexOf("\r\n\r\n") + 4);
  try {
    return { status: Number(status), body: JSON.parse(body) };
  } catch {
    return { status: Number(status), body };
  }
}

/**
 * Opens a request whose body stops `withhold` bytes short (one by default); resolves once
 * the head is in.
 */
async function slowRequest(
  port: number,
  method: string,
  path: string,
  token: string,
  body: Buffer,
  contentType = "application/json",
  withhold = 1,
): Promise<SlowRequest> {
  const socket = tcpConnect(port, "127.0.0.1");
  let received = Buffer.alloc(0);
  const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()));
  socket.on("error", () => {});
  socket.on("data", (chunk: Buffer) => {
    received = Buffer.concat([received, chunk]);
  });
  await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
  socket.write(
    `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n` +
      `Authorization: Bearer ${token}\r\nContent-Type: ${contentType}\r\n` +
      `Content-Length: ${body.length}\r\n\r\n`,
  );
  socket.write(body.subarray(0, body.length - withhold));
  await sleep(HEADERS_SETTLE_MS);
  if (received.length > 0) throw new Error(`answered early: ${received.toString("utf8")}`);
  return {
    async finish() {
      socket.write(body.subarray(body.length - withhold));
      await closed;
      return parseAnswer(received);
    },
  };
}

function json(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}

/** A one-file form, and how many bytes from its end the file's last byte is. */
function multipart(
  name: string,
  bytes: Buffer,
): { contentType: string; body: Buffer; fileEnd: number } {
  const boundary = "----chat-authorisation-at-commit";
  const trailer = Buffer.from(`\r\n--${boundary}--\r\n`);
  const body = Buffer.concat([
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\n` +
        "Content-Type: application/octet-stream\r\n\r\n",
    ),
    bytes,
    trailer,
  ]);
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    body,
    fileEnd: trailer.length + 1,
  };
}

function refused(answer: RawAnswer, code: string): void {
  assert.equal(answer.body?.error?.code, code, JSON.stringify(answer.body));
}

const QUOTA = 64 * 1024;
const RACE_ROUNDS = 4;

forEachEngine(
  "authorisation is checked again when the body is complete",
  { redis: true },
  (run) => {
    let server: TestServer;
    let port: number;
    let admin: TestUser;
    const api = () => client(server.url);
    const as = (user: TestUser) => ({ token: user.token });

    before(async () => {
      server = await run.start({ uploads: { user_quota_bytes: QUOTA } });
      port = Number(new URL(server.url).port);
      // The first account of a server is its admin.
      admin = await createUser(server.url);
    });
    after(async () => {
      await server?.stop();
    });

    /** A second session of the same account, for revoking the first one from. */
    async function secondSession(user: TestUser): Promise<TestUser> {
      const res = await api().post(`${API}/auth/login`, {
        username: user.username,
        password: user.password,
      });
      assert.equal(res.status, 200, res.text);
      return { ...user, token: res.body.token };
    }

    async function sessionIdOf(user: TestUser): Promise<string> {
      const res = await api().get(`${API}/sessions`, as(user));
      assert.equal(res.status, 200, res.text);
      const current = res.body.sessions.find((s: { current: boolean }) => s.current);
      assert.ok(current, res.text);
      return current.id;
    }

    async function revokeSession(user: TestUser): Promise<void> {
      const other = await secondSession(user);
      const id = await sessionIdOf(user);
      const res = await api().delete(`${API}/sessions/${id}`, as(other));
      assert.equal(res.status, 204, res.text);
    }

    async function setUser(userId: string, changes: Record<string, boolean>, by = admin) {
      const res = await api().patch(`${API}/admin/users/${userId}`, changes, as(by));
      assert.equal(res.status, 200, res.text);
    }

    async function newAdmin(): Promise<TestUser> {
      const user = await createUser(server.url);
      await setUser(user.id, { is_admin: true });
      return user;
    }

    async function bodiesIn(conversationId: string, reader: TestUser): Promise<string[]> {
      const res = await api().get(`${API}/conversations/${conversationId}/messages`, as(reader));
      assert.equal(res.status, 200, res.text);
      return res.body.messages.map((m: { body: string }) => m.body);
    }

    async function account(userId: string, by = admin) {
      const res = await api().get(`${API}/admin/users?limit=500`, as(by));
      assert.equal(res.status, 200, res.text);
      return res.body.users.find((u: { id: string }) => u.id === userId);
    }

    // --- messages and conversations ---------------------------------------------------

    interface TakeAway {
      /** The door's code for a request arriving after this. */
      code: string;
      act: (user: TestUser) => Promise<void>;
      /** The account is left disabled (the test enables it again). */
      disables?: boolean;
    }

    const takeAway: Record<string, TakeAway> = {
      "its session is revoked": { code: "session_revoked", act: revokeSession },
      // Disabling through the server ends the account's sessions in the same commit.
      "an admin disabled the account": {
        code: "session_revoked",
        act: (user) => setUser(user.id, { disabled: true }),
        disables: true,
      },
      // An edit of the database behind the server's back (a restore, a script) ends no
      // session: the disabled flag alone must refuse.
      "the account was disabled in the database": {
        code: "account_disabled",
        act: async (user) => {
          await server.ctx.store.users.setDisabled(user.id, true);
        },
        disables: true,
      },
      "every session is revoked": {
        code: "session_revoked",
        act: async () => {
          const res = await api().post(`${API}/admin/sessions/revoke-all`, undefined, as(admin));
          assert.equal(res.status, 200, res.text);
          // The admin's own session ended too: sign in again for the checks that follow.
          admin = await secondSession(admin);
        },
      },
    };

    async function restore(user: TestUser, { disables }: TakeAway): Promise<void> {
      if (disables) await setUser(user.id, { disabled: false });
    }

    for (const [what, { code, act }] of Object.entries(takeAway)) {
      it(`a message whose body completes after ${what} is not sent`, async () => {
        const sender = await createUser(server.url);
        const reader = await createUser(server.url);
        const group = await createGroup(server.url, reader, [sender]);
        const body = `late message ${uniqueUsername()}`;
        const slow = await slowRequest(
          port,
          "POST",
          `${API}/conversations/${group.id}/messages`,
          sender.token,
          json({ body }),
        );
        await act(sender);
        const answer = await slow.finish();
        refused(answer, code);
        const again = await secondSession(reader);
        assert.ok(!(await bodiesIn(group.id, again)).includes(body), "nothing was stored");
      });
    }

    it("an edit, a reaction and a rename that complete after a revoke change nothing", async () => {
      const author = await createUser(server.url);
      const other = await createUser(server.url);
      const group = await createGroup(server.url, author, [other], "before");
      const sent = await api().post(
        `${API}/conversations/${group.id}/messages`,
        { body: "original" },
        as(author),
      );
      assert.equal(sent.status, 201, sent.text);
      const messageId = sent.body.id as string;
      const edit = await slowRequest(
        port,
        "PATCH",
        `${API}/messages/${messageId}`,
        author.token,
        json({ body: "edited late" }),
      );
      const react = await slowRequest(
        port,
        "POST",
        `${API}/messages/${messageId}/reactions`,
        author.token,
        json({ emoji: "👍" }),
      );
      const rename = await slowRequest(
        port,
        "PATCH",
        `${API}/conversations/${group.id}`,
        author.token,
        json({ title: "after" }),
      );
      await revokeSession(author);
      for (const slow of [edit, react, rename]) refused(await slow.finish(), "session_revoked");
      const history = await api().get(`${API}/conversations/${group.id}/messages`, as(other));
      const message = history.body.messages.find((m: { id: string }) => m.id === messageId);
      assert.equal(message.body, "original");
      assert.deepEqual(message.reactions ?? [], []);
      const conversation = await api().get(`${API}/conversations/${group.id}`, as(other));
      assert.equal(conversation.body.title, "before");
    });

    // --- password -----------------------------------------------------------------------

    for (const [what, away] of Object.entries(takeAway)) {
      it(`a password change completing after ${what} keeps the old password`, async () => {
        const user = await createUser(server.url);
        const slow = await slowRequest(
          port,
          "POST",
          `${API}/auth/password`,
          user.token,
          json({ current_password: user.password, new_password: "pw-test-a brand new one" }),
        );
        await away.act(user);
        refused(await slow.finish(), away.code);
        await restore(user, away);
        const login = await api().post(`${API}/auth/login`, {
          username: user.username,
          password: user.password,
        });
        assert.equal(login.status, 200, "the old password still signs in");
      });
    }

    // --- admin --------------------------------------------------------------------------

    it("an admin demoted mid-request cannot create an admin", async () => {
      const demoted = await newAdmin();
      const username = uniqueUsername("late_admin");
      const slow = await slowRequest(
        port,
        "POST",
        `${API}/admin/users`,
        demoted.token,
        json({ username, password: "pw-test-late admin 1", is_admin: true }),
      );
      await setUser(demoted.id, { is_admin: false });
      refused(await slow.finish(), "forbidden");
      const found = await api().get(`${API}/admin/users?q=${username}`, as(admin));
      assert.deepEqual(found.body.users, [], "no account was created");
    });

    it("an admin demoted, disabled or signed out mid-request cannot promote", async () => {
      const variants: TakeAway[] = [
        { code: "forbidden", act: (u) => setUser(u.id, { is_admin: false }) },
        ...Object.values(takeAway),
      ];
      for (const { code, act } of variants) {
        const actor = await newAdmin();
        const target = await createUser(server.url);
        const slow = await slowRequest(
          port,
          "PATCH",
          `${API}/admin/users/${target.id}`,
          actor.token,
          json({ is_admin: true }),
        );
        await act(actor);
        refused(await slow.finish(), code);
        assert.equal((await account(target.id)).is_admin, false, `${code}: target not promoted`);
      }
    });

    it("an admin demoted mid-request cannot revoke every session or make an invite", async () => {
      const actor = await newAdmin();
      const bystander = await createUser(server.url);
      const revokeAll = await slowRequest(
        port,
        "POST",
        `${API}/admin/sessions/revoke-all`,
        actor.token,
        json({}),
      );
      const invite = await slowRequest(
        port,
        "POST",
        `${API}/admin/invites`,
        actor.token,
        json({ expires_in_hours: 1 }),
      );
      await setUser(actor.id, { is_admin: false });
      refused(await revokeAll.finish(), "forbidden");
      refused(await invite.finish(), "forbidden");
      const me = await api().get(`${API}/me`, as(bystander));
      assert.equal(me.status, 200, "the bystander's session lives on");
      const invites = await api().get(`${API}/admin/invites`, as(admin));
      assert.ok(
        !invites.body.invites.some((i: { created_by?: string }) => i.created_by === actor.id),
        "no invite was made",
      );
    });

    for (const change of [{ is_admin: false }, { disabled: true }]) {
      it(`two admins removing each other (${JSON.stringify(change)}) leave one`, async () => {
        // A race: a few rounds, so an ordering that lets both through shows up.
        for (let round = 0; round < RACE_ROUNDS; round++) {
          // Demote every other admin, so these two are the server's only ones.
          const first = await newAdmin();
          const second = await newAdmin();
          const everyone = await api().get(`${API}/admin/users?limit=500`, as(first));
          for (const other of everyone.body.users) {
            if (other.is_admin && other.id !== first.id && other.id !== second.id)
              await setUser(other.id, { is_admin: false }, first);
          }
          const one = await slowRequest(
            port,
            "PATCH",
            `${API}/admin/users/${second.id}`,
            first.token,
            json(change),
          );
          const two = await slowRequest(
            port,
            "PATCH",
            `${API}/admin/users/${first.id}`,
            second.token,
            json(change),
          );
          const answers = await Promise.all([one.finish(), two.finish()]);
          const won = answers.filter((a) => a.status === 200);
          assert.equal(won.length, 1, JSON.stringify(answers));
          for (const answer of answers.filter((a) => a.status !== 200)) {
            assert.ok(
              ["forbidden", "account_disabled", "session_revoked", "conflict"].includes(
                answer.body?.error?.code,
              ),
              JSON.stringify(answer.body),
            );
          }
          const winner = answers[0]?.status === 200 ? first : second;
          const users = await api().get(`${API}/admin/users?limit=500`, as(winner));
          const active = users.body.users.filter(
            (u: { is_admin: boolean; disabled: boolean }) => u.is_admin && !u.disabled,
          );
          assert.deepEqual(
            active.map((u: { id: string }) => u.id),
            [winner.id],
            "exactly the winner is left as an enabled admin",
          );
          // Hand the right back to the suite's admin for the rounds and tests that follow.
          await setUser(admin.id, { is_admin: true }, winner);
        }
      });
    }

    // --- uploads ------------------------------------------------------------------------

    for (const [what, away] of Object.entries(takeAway)) {
      it(`an upload finished after ${what} stores nothing and uses no quota`, async () => {
        const user = await createUser(server.url);
        const group = await createGroup(server.url, user, []);
        const uploads = join(server.dir, "uploads");
        const stored = filesUnder(uploads).sort();
        const file = Buffer.alloc(QUOTA, `${what}:`);
        const form = multipart("late.bin", file);
        const slow = await slowRequest(
          port,
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
        await restore(user, away);
        // The whole quota is still there: the same size fits again.
        const again = await secondSession(user);
        const res = await fetch(
          new URL(`${API}/conversations/${group.id}/attachments`, server.url),
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
