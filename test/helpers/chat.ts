/**
 * Chat factories: conversations and messages made through the real REST API, failing
 * loudly when the server does not answer as expected.
 */
import { randomUUID } from "node:crypto";
import type { ConversationView, MessageView } from "@private-chat/protocol/chat";
import type { TestUser } from "./factories.js";
import { request } from "./http.js";

const API = "/api/v1";

function expectStatus(what: string, status: number, expected: number[], text: string): void {
  if (!expected.includes(status)) throw new Error(`${what} failed: ${status} ${text}`);
}

/**
 * Starts (or finds) the direct conversation between `a` and `b`, as `a`. Between people
 * who shared nothing it begins as a message request, which `b` accepts here, so that
 * the two chat as any two people do; `requestDirect` leaves the request open.
 */
export async function createDirect(
  baseUrl: string,
  a: TestUser,
  b: TestUser,
): Promise<ConversationView> {
  const opened = await requestDirect(baseUrl, a, b);
  if (opened.request !== "sent") return opened;
  await acceptRequest(baseUrl, b, opened.id);
  const res = await request<ConversationView>(baseUrl, "GET", `${API}/conversations/${opened.id}`, {
    token: a.token,
  });
  expectStatus("read direct", res.status, [200], res.text);
  return res.body;
}

/** Starts (or finds) the direct conversation between `a` and `b`, as `a`, as it comes. */
export async function requestDirect(
  baseUrl: string,
  a: TestUser,
  b: TestUser,
): Promise<ConversationView> {
  const res = await request<ConversationView>(baseUrl, "POST", `${API}/conversations`, {
    token: a.token,
    body: { type: "direct", member_ids: [b.id] },
  });
  expectStatus("create direct", res.status, [200, 201], res.text);
  return res.body;
}

/** Accepts the message request `conversationId` as `recipient`. */
export async function acceptRequest(
  baseUrl: string,
  recipient: TestUser,
  conversationId: string,
): Promise<ConversationView> {
  const res = await request<ConversationView>(
    baseUrl,
    "POST",
    `${API}/conversations/${conversationId}/accept`,
    { token: recipient.token },
  );
  expectStatus("accept request", res.status, [200], res.text);
  return res.body;
}

/** Creates a group owned by `owner` with `members` in it. */
export async function createGroup(
  baseUrl: string,
  owner: TestUser,
  members: TestUser[],
  title = `group ${randomUUID().slice(0, 8)}`,
): Promise<ConversationView> {
  const res = await request<ConversationView>(baseUrl, "POST", `${API}/conversations`, {
    token: owner.token,
    body: { type: "group", title, member_ids: members.map((m) => m.id) },
  });
  expectStatus("create group", res.status, [201], res.text);
  return res.body;
}

/** Adds `users` to a group as `actor`. */
export async function addMembers(
  baseUrl: string,
  actor: TestUser,
  conversationId: string,
  users: TestUser[],
): Promise<ConversationView> {
  const res = await request<ConversationView>(
    baseUrl,
    "POST",
    `${API}/conversations/${conversationId}/members`,
    { token: actor.token, body: { user_ids: users.map((u) => u.id) } },
  );
  expectStatus("add members", res.status, [200], res.text);
  return res.body;
}

export interface SendOptions {
  client_id?: string;
  reply_to?: string;
  thread_id?: string;
  also_to_conversation?: boolean;
}

/** Sends a message as `sender`; expects a fresh message (201). */
export async function sendMessage(
  baseUrl: string,
  sender: TestUser,
  conversationId: string,
  body: string,
  options: SendOptions = {},
): Promise<MessageView> {
  const res = await request<MessageView>(
    baseUrl,
    "POST",
    `${API}/conversations/${conversationId}/messages`,
    { token: sender.token, body: { body, ...options } },
  );
  expectStatus("send message", res.status, [201], res.text);
  return res.body;
}

/** Sends `count` messages "<prefix> 1" .. "<prefix> count" in order. */
export async function sendMany(
  baseUrl: string,
  sender: TestUser,
  conversationId: string,
  count: number,
  prefix = "message",
): Promise<MessageView[]> {
  const sent: MessageView[] = [];
  for (let i = 1; i <= count; i++) {
    sent.push(await sendMessage(baseUrl, sender, conversationId, `${prefix} ${i}`));
  }
  return sent;
}

/** Waits a few milliseconds so that the next write gets a later timestamp. */
export function tick(ms = 5): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
