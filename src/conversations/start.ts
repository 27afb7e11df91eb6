/**
 * Starting a conversation: the stored title, the key that makes a direct chat unique,
 * the daily cap on adding one person to groups, and the insert with its event.
 */
import { MAX_TITLE } from "@private-chat/protocol/chat";
import { INVISIBLE_NAME_MESSAGE, normaliseName } from "@private-chat/protocol/names";
import { AppError } from "../errors.js";
import type { EventLog } from "../events/log.js";
import type { Conversation, Member } from "../storage/conversations.js";
import type { Repositories } from "../storage/store.js";
import type { User } from "../storage/users.js";
import { presentSummary } from "./present.js";

const DAY_MS = 24 * 3600 * 1000;

/** The key that makes a direct chat unique; an encrypted one is another chat. */
export function directKey(a: string, b: string, encrypted = false): string {
  const pair = a < b ? `${a}:${b}` : `${b}:${a}`;
  return encrypted ? `${pair}:e2ee` : pair;
}

/** A group title as stored: the shared name rules, then the length bound. */
export function cleanTitle(title: string): string {
  const clean = normaliseName(title);
  if (clean === undefined) {
    throw new AppError("invalid_request", `a group title ${INVISIBLE_NAME_MESSAGE}`);
  }
  if (clean.length > MAX_TITLE) {
    throw new AppError("invalid_request", `a group title is 1 to ${MAX_TITLE} characters`);
  }
  return clean;
}

/**
 * Records that `actor` adds `userIds` to a group, or refuses the whole request when it
 * would take one of them past the day's cap (`cap` undefined: no cap). Runs in the write
 * transaction, whose event log lock serialises writers, so two adds at once cannot both
 * take the last place.
 */
export async function countGroupAdds(
  tx: Repositories,
  cap: number | undefined,
  conversationId: string,
  actor: User,
  userIds: string[],
): Promise<void> {
  const added = userIds.filter((id) => id !== actor.id);
  if (cap === undefined || added.length === 0) return;
  const now = Date.now();
  const counts = await tx.groupAdds.countsSince(added, now - DAY_MS);
  const full = added.filter((id) => (counts.get(id) ?? 0) >= cap);
  if (full.length > 0) {
    throw new AppError(
      "group_add_limit",
      `${full.length === 1 ? "this person has" : "these people have"} been added to ${cap} groups by others in the last 24 hours; try again later`,
      { user_ids: full },
    );
  }
  await tx.groupAdds.record(conversationId, actor.id, added, now, now - DAY_MS);
}

export interface ConversationSpec {
  id: string;
  type: "direct" | "group";
  title: string | null;
  directKey: string | null;
  creator: User;
  memberIds: string[];
  /** The recipient, when the conversation is a message request. */
  requestTo?: string | undefined;
  /** End-to-end encrypted (docs/E2EE.md). */
  encrypted: boolean;
}

/** Inserts a conversation with its members and logs conversation.created. */
export async function startConversation(
  tx: Repositories,
  log: EventLog,
  users: Map<string, User>,
  spec: ConversationSpec,
): Promise<void> {
  const now = Date.now();
  const cursor = await tx.events.latestId();
  await tx.conversations.create({
    id: spec.id,
    type: spec.type,
    title: spec.title,
    direct_key: spec.directKey,
    created_by: spec.creator.id,
    created_at: now,
    updated_at: now,
    last_seq: 0,
    last_activity_at: now,
    encrypted: spec.encrypted ? 1 : 0,
  });
  const members: Member[] = spec.memberIds.map((userId) => ({
    conversation_id: spec.id,
    user_id: userId,
    role: spec.type === "group" && userId === spec.creator.id ? "owner" : "member",
    joined_at: now,
    joined_seq: 0,
    joined_cursor: cursor,
    read_seq: 0,
  }));
  await tx.conversations.addMembers(members);
  if (spec.requestTo) await tx.requests.create(spec.id, spec.requestTo, now);
  await log.append(
    {
      type: "conversation.created",
      conversation_id: spec.id,
      conversation: presentSummary(
        (await tx.conversations.byId(spec.id)) as Conversation,
        members,
        users,
        spec.requestTo !== undefined,
      ),
      created_by: spec.creator.id,
    },
    { membership: { userIds: members.map((m) => m.user_id), action: "joined" } },
  );
}
