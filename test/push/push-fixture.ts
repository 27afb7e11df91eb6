/**
 * What the Web Push suites share: a push service double trusted by the server process, a
 * server with push pointed at loopback, and helpers to subscribe and to wait.
 */
import assert from "node:assert/strict";
import { after, before } from "node:test";
import type { ConfigOverrides } from "../../src/config/schema.js";
import { generateVapidKeys } from "../../src/push/vapid-keys.js";
import { apiSuite } from "../helpers/api-suite.js";
import type { EngineRun } from "../helpers/engines.js";
import type { TestUser } from "../helpers/factories.js";
import { PushServiceDouble, type Subscriber } from "../helpers/push-double.js";
import { sleep } from "../helpers/socket.js";

export const V1 = "/api/v1";
export const SUBJECT = "mailto:ops@example.com";

/** Polls `check` until it returns true; no deadline of its own (the test's applies). */
export async function eventually(check: () => Promise<boolean> | boolean): Promise<void> {
  while (!(await check())) await sleep(50);
}

export function pushSuite(
  run: EngineRun,
  tls: { cert: string; key: string },
  push: ConfigOverrides["push"] = {},
  more: Omit<ConfigOverrides, "push" | "rate_limit"> = {},
) {
  const keys = generateVapidKeys();
  const double = new PushServiceDouble(tls);
  // Registered before the server's hooks: the double is up first and stopped last.
  before(() => double.start());
  const { started, as, users } = apiSuite(run, {
    ...more,
    push: {
      vapid_public_key: keys.publicKey,
      vapid_private_key: keys.privateKey,
      subject: SUBJECT,
      allow_private_endpoints: true,
      timeout_seconds: 1,
      ...push,
    },
  });
  after(() => double.stop());

  /** Registers a new browser subscription for the user's session (or `token`'s). */
  async function subscribe(
    user: TestUser,
    token = user.token,
  ): Promise<Subscriber & { serverId: string }> {
    const subscriber = double.subscriber();
    const res = await started().api.post(`${V1}/push/subscriptions`, subscriber.json, { token });
    assert.equal(res.status, 201, res.text);
    return { ...subscriber, serverId: res.body.id as string };
  }

  async function subscriptionIds(user: TestUser): Promise<string[]> {
    const res = await started().api.get(`${V1}/push/subscriptions`, as(user));
    assert.equal(res.status, 200, res.text);
    return (res.body.subscriptions as { id: string }[]).map((s) => s.id);
  }

  async function group(
    owner: TestUser,
    members: TestUser[],
    title = "Lunch club",
  ): Promise<string> {
    const res = await started().api.post(
      `${V1}/conversations`,
      { type: "group", title, member_ids: members.map((m) => m.id) },
      as(owner),
    );
    assert.equal(res.status, 201, res.text);
    return res.body.id as string;
  }

  async function send(
    user: TestUser,
    conversationId: string,
    body: string,
    extra: { thread_id?: string; also_to_conversation?: boolean } = {},
  ) {
    const res = await started().api.post(
      `${V1}/conversations/${conversationId}/messages`,
      { body, ...extra },
      as(user),
    );
    assert.equal(res.status, 201, res.text);
    return res.body as { id: string; seq: number };
  }

  /** Signs the user in again: a second session, with its own token. */
  async function login(user: TestUser): Promise<string> {
    const res = await started().api.post(`${V1}/auth/login`, {
      username: user.username,
      password: user.password,
    });
    assert.equal(res.status, 200, res.text);
    return res.body.token as string;
  }

  return { keys, double, started, as, users, subscribe, subscriptionIds, group, send, login };
}
