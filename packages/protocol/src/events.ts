/**
 * Chat events: what the event log stores and the socket (and `sync`) delivers, each
 * with its cursor. The schemas are the definition; the types are inferred from them.
 */
import { z } from "zod/mini";
import { conversationSummary, memberRole, messageView, threadSummary } from "./chat.js";
import { doNotDisturb, preferenceFields } from "./notifications.js";
import { userView } from "./rest.js";

const id = z.string();
export const cursor = z.int().check(z.minimum(0));

/** One event's schema, and the same with the `cursor` it carries once logged. */
function event<T extends string, S extends z.core.$ZodLooseShape>(type: T, shape: S) {
  const fields = { type: z.literal(type), conversation_id: id, ...shape };
  return { type, event: z.object(fields), stored: z.object({ ...fields, cursor }) };
}

const messageNew = event("message.new", { message: messageView });
const messageUpdated = event("message.updated", { message: messageView });
const messageDeleted = event("message.deleted", { message: messageView });
const reaction = event("reaction", {
  message_id: id,
  user_id: id,
  emoji: z.string(),
  action: z.enum(["added", "removed"]),
});
/** Pins carry no message text: the message's view comes from history or GET pins. */
const messagePinned = event("message.pinned", {
  message_id: id,
  seq: z.int().check(z.minimum(0)),
  pinned_by: id,
  pinned_at: z.number(),
});
/**
 * Unpinned by someone (`unpinned_by`), or because the message was deleted (by them), or
 * expired under the conversation's retention (`unpinned_by` null).
 */
const messageUnpinned = event("message.unpinned", {
  message_id: id,
  seq: z.int().check(z.minimum(0)),
  unpinned_by: z.nullable(id),
});
/** A thread's summary changed: a reply came, or one was deleted. */
const threadUpdated = event("thread.updated", {
  root_id: id,
  thread: threadSummary,
});
/** Only the user's own devices: they read a thread up to `thread_seq` (or replied there). */
const threadRead = event("thread.read", {
  root_id: id,
  thread_seq: z.int().check(z.minimum(0)),
});
/**
 * Only the user's own devices: they followed a thread or stopped following it, by
 * choice or because a reply, a mention or a first reply to their root made them follow.
 */
const threadFollowed = event("thread.followed", { root_id: id, following: z.boolean() });
const read = event("read", { user_id: id, seq: z.int().check(z.minimum(0)) });
/**
 * A change of a group: `title` is always the current one; `members_can_pin` and
 * `retention_days` only when they changed.
 */
const conversationUpdated = event("conversation.updated", {
  title: z.nullable(z.string()),
  members_can_pin: z.optional(z.boolean()),
  retention_days: z.optional(z.nullable(z.number())),
  updated_by: id,
});
const conversationCreated = event("conversation.created", {
  conversation: conversationSummary,
  created_by: id,
});
const memberJoined = event("member.joined", { user: userView, role: memberRole, added_by: id });
const memberLeft = event("member.left", { user_id: id, removed_by: id });
const memberRoleChanged = event("member.role", { user_id: id, role: memberRole, changed_by: id });
/** A member's account changed (it was deleted: "Deleted user"); `user` is how it shows now. */
const memberUpdated = event("member.updated", { user: userView });
/**
 * An encrypted conversation's member removed one of their devices (end-to-end
 * encryption): the next member's device to act commits the device's removal from the
 * group, so that it reads nothing sent after.
 */
const deviceRemoved = event("device.removed", { user_id: id, device_id: id });
/** The recipient of a message request accepted it: presence, typing and receipts flow. */
const requestAccepted = event("request.accepted", { user_id: id });
const mention = event("mention", {
  message_id: id,
  seq: z.int().check(z.minimum(0)),
  sender_id: id,
});

/** The user changed their notification preference of a conversation: only they see it. */
const notifications = event("notifications.updated", preferenceFields);

/** One of an event about the user alone, not a conversation: `conversation_id` is null. */
function userEvent<T extends string, S extends z.core.$ZodLooseShape>(type: T, shape: S) {
  const fields = { type: z.literal(type), conversation_id: z.null(), ...shape };
  return { type, event: z.object(fields), stored: z.object({ ...fields, cursor }) };
}

/** The user changed their do-not-disturb hours (null: off); only they see it. */
const dndUpdated = userEvent("dnd.updated", { dnd: z.nullable(doNotDisturb) });
/**
 * A claim left one of the user's devices fewer than 10 unused key packages (end-to-end
 * encryption): that device should upload more. Only the user sees it.
 */
const keyPackagesLow = userEvent("device.key_packages_low", {
  device_id: id,
  remaining: z.int().check(z.minimum(0)),
});

const all = [
  messageNew,
  messageUpdated,
  messageDeleted,
  reaction,
  messagePinned,
  messageUnpinned,
  threadUpdated,
  threadRead,
  threadFollowed,
  read,
  conversationUpdated,
  conversationCreated,
  memberJoined,
  memberLeft,
  memberRoleChanged,
  memberUpdated,
  deviceRemoved,
  requestAccepted,
  mention,
  notifications,
  dndUpdated,
  keyPackagesLow,
] as const;

export const chatEvent = z.discriminatedUnion("type", [
  messageNew.event,
  messageUpdated.event,
  messageDeleted.event,
  reaction.event,
  messagePinned.event,
  messageUnpinned.event,
  threadUpdated.event,
  threadRead.event,
  threadFollowed.event,
  read.event,
  conversationUpdated.event,
  conversationCreated.event,
  memberJoined.event,
  memberLeft.event,
  memberRoleChanged.event,
  memberUpdated.event,
  deviceRemoved.event,
  requestAccepted.event,
  mention.event,
  notifications.event,
  dndUpdated.event,
  keyPackagesLow.event,
]);
/** Events stored in the log and replayed by sync. */
export type ChatEvent = z.infer<typeof chatEvent>;
export type ChatEventType = ChatEvent["type"];

export const storedEvent = z
  .discriminatedUnion("type", [
    messageNew.stored,
    messageUpdated.stored,
    messageDeleted.stored,
    reaction.stored,
    messagePinned.stored,
    messageUnpinned.stored,
    threadUpdated.stored,
    threadRead.stored,
    threadFollowed.stored,
    read.stored,
    conversationUpdated.stored,
    conversationCreated.stored,
    memberJoined.stored,
    memberLeft.stored,
    memberRoleChanged.stored,
    memberUpdated.stored,
    deviceRemoved.stored,
    requestAccepted.stored,
    mention.stored,
    notifications.stored,
    dndUpdated.stored,
    keyPackagesLow.stored,
  ])
  .register(z.globalRegistry, { id: "Event" });
/** A logged event as the socket and `sync` deliver it: the event plus its cursor. */
export type StoredEvent = z.infer<typeof storedEvent>;

/** GET /api/v1/sync: the REST twin of the socket's sync frame. */
export const syncResponse = z.object({
  events: z.array(storedEvent),
  /** Pass as `since` next time; past every event this page covered. */
  cursor,
  has_more: z.boolean(),
});

export const CHAT_EVENT_TYPES = all.map((e) => e.type) as ChatEventType[];
