/**
 * The shared part of the authorisation-at-commit suites: a raw HTTP request that withholds
 * its last byte (so the door's check has passed) until told, and a fixture server with
 * the ways of taking a caller's right away mid-request.
 */
import assert from "node:assert/strict";
import { connect as tcpConnect } from "node:net";
import { after, before } from "node:test";
import type { EngineRun } from "../helpers/engines.js";
import { createUser, type TestUser } from "../helpers/factories.js";
import { client } from "../helpers/http.js";
import type { TestServer } from "../helpers/server.js";
import { sleep } from "../helpers/socket.js";

export const API = "/api/v1";
// Long enough for the server to have read the headers and run the door's check.
const HEADERS_SETTLE_MS = 150;

export interface RawAnswer {
  status: number;
  body: any;
}

export interface SlowRequest {
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
export async function slowRequest(
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

export function json(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}

/** A one-file form, and how many bytes from its end the file's last byte is. */
export function multipart(
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

export function refused(answer: RawAnswer, code: string): void {
  assert.equal(answer.body?.error?.code, code, JSON.stringify(answer.body));
}

export const QUOTA = 64 * 1024;
export const RACE_ROUNDS = 4;

export interface TakeAway {
  /** The door's code for a request arriving after this. */
  code: string;
  act: (user: TestUser) => Promise<void>;
  /** The account is left disabled (the test enables it again). */
  disables?: boolean;
}

/**
 * Starts one server per suite (before/after hooks) whose first account is its admin, and
 * returns the helpers the suites share. `server`, `port` and `admin` are read at test time:
 * revoking every session signs the admin in again.
 */
export function commitFixture(run: EngineRun) {
  const fx = {
    server: undefined as unknown as TestServer,
    port: 0,
    admin: undefined as unknown as TestUser,
    api: () => client(fx.server.url),
    as: (user: TestUser) => ({ token: user.token }),
    secondSession,
    sessionIdOf,
    revokeSession,
    setUser,
    newAdmin,
    bodiesIn,
    account,
    restore,
    takeAway: {} as Record<string, TakeAway>,
  };

  before(async () => {
    fx.server = await run.start({ uploads: { user_quota_bytes: QUOTA } });
    fx.port = Number(new URL(fx.server.url).port);
    // The first account of a server is its admin.
    fx.admin = await createUser(fx.server.url);
  });
  after(async () => {
    await fx.server?.stop();
  });

  /** A second session of the same account, for revoking the first one from. */
  async function secondSession(user: TestUser): Promise<TestUser> {
    const res = await fx.api().post(`${API}/auth/login`, {
      username: user.username,
      password: user.password,
    });
    assert.equal(res.status, 200, res.text);
    return { ...user, token: res.body.token };
  }

  async function sessionIdOf(user: TestUser): Promise<string> {
    const res = await fx.api().get(`${API}/sessions`, fx.as(user));
    assert.equal(res.status, 200, res.text);
    const current = res.body.sessions.find((s: { current: boolean }) => s.current);
    assert.ok(current, res.text);
    return current.id;
  }

  async function revokeSession(user: TestUser): Promise<void> {
    const other = await secondSession(user);
    const id = await sessionIdOf(user);
    const res = await fx.api().delete(`${API}/sessions/${id}`, fx.as(other));
    assert.equal(res.status, 204, res.text);
  }

  async function setUser(userId: string, changes: Record<string, boolean>, by?: TestUser) {
    const res = await fx
      .api()
      .patch(`${API}/admin/users/${userId}`, changes, fx.as(by ?? fx.admin));
    assert.equal(res.status, 200, res.text);
  }

  async function newAdmin(): Promise<TestUser> {
    const user = await createUser(fx.server.url);
    await setUser(user.id, { is_admin: true });
    return user;
  }

  async function bodiesIn(conversationId: string, reader: TestUser): Promise<string[]> {
    const res = await fx
      .api()
      .get(`${API}/conversations/${conversationId}/messages`, fx.as(reader));
    assert.equal(res.status, 200, res.text);
    return res.body.messages.map((m: { body: string }) => m.body);
  }

  async function account(userId: string, by?: TestUser) {
    const res = await fx.api().get(`${API}/admin/users?limit=500`, fx.as(by ?? fx.admin));
    assert.equal(res.status, 200, res.text);
    return res.body.users.find((u: { id: string }) => u.id === userId);
  }

  async function restore(user: TestUser, { disables }: TakeAway): Promise<void> {
    if (disables) await setUser(user.id, { disabled: false });
  }

  fx.takeAway = {
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
        await fx.server.ctx.store.users.setDisabled(user.id, true);
      },
      disables: true,
    },
    "every session is revoked": {
      code: "session_revoked",
      act: async () => {
        const res = await fx
          .api()
          .post(`${API}/admin/sessions/revoke-all`, undefined, fx.as(fx.admin));
        assert.equal(res.status, 200, res.text);
        // The admin's own session ended too: sign in again for the checks that follow.
        fx.admin = await secondSession(fx.admin);
      },
    },
  };
  return fx;
}
