/**
 * Row builders for storage tests of conversations, messages and events: users through the
 * real UserStore (foreign keys need them), the rest as plain rows with sensible defaults.
 */
import { randomBytes, randomUUID } from "node:crypto";
import type { Conversation, Member } from "../../src/storage/conversations.js";
import type { MessageRow } from "../../src/storage/messages.js";
import type { Repositories } from "../../src/storage/store.js";

/** Creates `count` users with unique names and returns their ids. */
export async function makeUsers(repos: Repositories, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const id = randomUUID();
    await repos.users.create({
      id,
      username: `u${i}_${randomBytes(5).toString("hex")}`,
      displayName: `User ${i}`,
      passwordHash: "x",
      admin: false,
      now: Date.now(),
    });
    ids.push(id);
  }
  return ids;
}

/**
 * A conversation row. Settings of later steps (`members_can_pin`, retention) are left to
 * their column defaults unless given, so the row also fits a schema from before them
 * (tests of earlier migration steps use it).
 */
type LaterSettings =
  | "members_can_pin"
  | "retention_days"
  | "expired_seq"
  | "encrypted"
  | "mls_epoch";
export type ConversationRow = Omit<Conversation, LaterSettings> &
  Partial<Pick<Conversation, LaterSettings>>;

export function conversationRow(overrides: Partial<Conversation> = {}): ConversationRow {
  const now = Date.now();
  return {
    id: randomUUID(),
    type: "group",
    title: "a group",
    direct_key: null,
    created_by: null,
    created_at: now,
    updated_at: now,
    last_seq: 0,
    last_activity_at: now,
    ...overrides,
  };
}

export function memberRow(
  conversationId: string,
  userId: string,
  overrides: Partial<Member> = {},
): Member {
  return {
    conversation_id: conversationId,
    user_id: userId,
    role: "member",
    joined_at: Date.now(),
    joined_seq: 0,
    joined_cursor: 0,
    read_seq: 0,
    ...overrides,
  };
}

export function messageRow(
  conversationId: string,
  seq: number,
  senderId: string,
  overrides: Partial<MessageRow> = {},
): MessageRow {
  return {
    id: randomUUID(),
    conversation_id: conversationId,
    seq,
    sender_id: senderId,
    body: `message ${seq}`,
    client_id: null,
    reply_to: null,
    created_at: Date.now(),
    edited_at: null,
    deleted_at: null,
    ...overrides,
  };
}

/** A conversation with the given users as members (joined at seq 0, cursor 0). */
export async function makeConversation(
  repos: Repositories,
  userIds: string[],
  overrides: Partial<Conversation> = {},
): Promise<Conversation> {
  const conversation = conversationRow(overrides);
  await repos.conversations.create(conversation);
  await repos.conversations.addMembers(userIds.map((u) => memberRow(conversation.id, u)));
  return {
    members_can_pin: 0,
    retention_days: null,
    expired_seq: 0,
    encrypted: 0,
    mls_epoch: 0,
    ...conversation,
  };
}

/** Appends messages the way the service does: a seq taken from the conversation, then the row. */
export async function postMessages(
  repos: Repositories,
  conversationId: string,
  senderIds: string[],
): Promise<MessageRow[]> {
  const rows: MessageRow[] = [];
  for (const sender of senderIds) {
    const seq = await repos.conversations.allocateSeq(conversationId, Date.now());
    const row = messageRow(conversationId, seq, sender);
    await repos.messages.insert(row);
    rows.push(row);
  }
  return rows;
}

export function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}
