/**
 * Conversations and messages on the wire: request schemas of their REST endpoints and
 * the shapes the server sends back, shared with every client.
 */
import { z } from "zod/mini";
import { attachmentView, MAX_ATTACHMENTS_PER_MESSAGE } from "./attachments.js";
import { isReactionEmoji } from "./emoji.js";
import { MAX_MLS_TEXT, mlsEnvelope, mlsSend } from "./encrypted.js";
import { notificationState } from "./notifications.js";
import { userView } from "./rest.js";

export const MAX_PAGE = 100;
export const MAX_GROUP_MEMBERS = 10_000;
export const MAX_TITLE = 100;
export const MAX_CLIENT_ID = 64;
export const MAX_EMOJI_LENGTH = 32;

const id = z.string().check(z.minLength(1), z.maxLength(64));
const clientId = z.string().check(z.minLength(1), z.maxLength(MAX_CLIENT_ID));
/**
 * Message bodies are length-checked by the service against the configured maximum
 * (`max_body_chars`, at most this), so the schema only bounds them generously.
 */
export const MAX_MESSAGE_BODY = 100_000;
const body = z.string().check(z.maxLength(MAX_MESSAGE_BODY));
/** A send's body: text, or in an encrypted conversation an MLS message in base64url. */
const sendBody = z.string().check(z.maxLength(MAX_MLS_TEXT));
/** End-to-end encrypted (docs/E2EE.md); chosen at creation, never changed. */
const encrypted = z.optional(z.boolean());

export const createConversationBody = z.discriminatedUnion("type", [
  z.strictObject({
    type: z.literal("direct"),
    member_ids: z.array(id).check(z.length(1)),
    encrypted,
  }),
  z.strictObject({
    type: z.literal("group"),
    title: z.string().check(z.maxLength(MAX_TITLE)),
    member_ids: z._default(z.array(id).check(z.maxLength(MAX_GROUP_MEMBERS)), []),
    encrypted,
  }),
]);
export type CreateConversationBody = z.infer<typeof createConversationBody>;

/** A group's changes: its title, who may pin (admins only). Fields left out stay as they are. */
/** The longest a group may keep its messages, in days (a hundred years). */
export const MAX_RETENTION_DAYS = 36_500;
/** A group's time to keep messages: days, 0 for as long as the server allows, null its default. */
const retentionDays = z.nullable(z.int().check(z.minimum(0), z.maximum(MAX_RETENTION_DAYS)));
export const updateConversationBody = z.strictObject({
  title: z.optional(z.string().check(z.maxLength(MAX_TITLE))),
  members_can_pin: z.optional(z.boolean()),
  retention_days: z.optional(retentionDays),
});
export type UpdateConversationBody = z.infer<typeof updateConversationBody>;
export const addMembersBody = z.strictObject({
  user_ids: z.array(id).check(z.minLength(1), z.maxLength(MAX_GROUP_MEMBERS)),
});
export const memberRole = z.enum(["owner", "admin", "member"]);
export const updateMemberBody = z.strictObject({ role: memberRole });
export const memberParams = z.strictObject({ id, user_id: id });

export const sendMessageBody = z.strictObject({
  body: sendBody,
  /** Present exactly when the conversation is encrypted: `body` is an MLS message. */
  mls: z.optional(mlsSend),
  client_id: z.optional(clientId),
  reply_to: z.optional(id),
  attachment_ids: z.optional(z.array(z.uuid()).check(z.maxLength(MAX_ATTACHMENTS_PER_MESSAGE))),
  /** Posts a reply in the thread of this message (a reply's id names its thread's root). */
  thread_id: z.optional(id),
  /** A thread reply shown in the conversation's timeline too. */
  also_to_conversation: z.optional(z.boolean()),
});
export type SendMessageBody = z.infer<typeof sendMessageBody>;

export const editMessageBody = z.strictObject({ body });
export const reactionBody = z.strictObject({
  emoji: z.string().check(
    z.minLength(1),
    z.maxLength(MAX_EMOJI_LENGTH),
    z.refine((text) => isReactionEmoji(text.trim()), "a reaction is exactly one emoji"),
  ),
});
// Taking a reaction back accepts any stored text, so reactions left before only emoji
// were allowed can still be removed.
export const reactionParams = z.strictObject({
  id,
  emoji: z.string().check(z.minLength(1), z.maxLength(MAX_EMOJI_LENGTH * 4)),
});
export const readBody = z.strictObject({ seq: z.int().check(z.minimum(0)) });

const seqParam = z.coerce.number().check(z.int(), z.minimum(0));
export const historyQuery = z.strictObject({
  before: z.optional(seqParam),
  after: z.optional(seqParam),
  limit: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(MAX_PAGE)), 50),
});
/** A thread holds at most this many replies: positions in it are 32-bit in storage. */
export const MAX_THREAD_SEQ = 2_147_483_647;
const threadSeqParam = z.coerce.number().check(z.int(), z.minimum(0), z.maximum(MAX_THREAD_SEQ));
/**
 * GET /api/v1/messages/:id/thread: the same paging, where `after` and `before` are
 * positions in the thread (a reply's `thread_seq`).
 */
export const threadQuery = z.strictObject({
  before: z.optional(threadSeqParam),
  after: z.optional(threadSeqParam),
  limit: historyQuery.shape.limit,
});

export const syncQuery = z.strictObject({
  since: z.coerce.number().check(z.int(), z.minimum(0)),
  limit: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(1000)), 500),
});

/**
 * The most conversations one page of `GET /api/v1/conversations` holds, and its default:
 * a client that does not page still gets every conversation of anyone in 500 or fewer.
 */
export const MAX_CONVERSATIONS_PAGE = 500;
/**
 * The first page the apps ask for: more than a sidebar shows, and small enough that the
 * list appears at once for someone in thousands of conversations. The rest follows in
 * pages of MAX_CONVERSATIONS_PAGE.
 */
export const FIRST_CONVERSATIONS_PAGE = 50;

export const conversationsQuery = z.strictObject({
  limit: z._default(
    z.coerce.number().check(z.int(), z.minimum(1), z.maximum(MAX_CONVERSATIONS_PAGE)),
    MAX_CONVERSATIONS_PAGE,
  ),
  /** `next_cursor` of the previous page, as the server wrote it. */
  cursor: z.optional(z.string().check(z.minLength(1), z.maxLength(200))),
});
export type ConversationsQuery = z.infer<typeof conversationsQuery>;

export const usersQuery = z.strictObject({
  q: z._default(z.string().check(z.maxLength(32)), ""),
  limit: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(MAX_PAGE)), 20),
});

export type Role = z.infer<typeof memberRole>;

export const reactionView = z
  .object({
    emoji: z.string(),
    count: z.number(),
    user_ids: z.array(z.string()),
  })
  .register(z.globalRegistry, { id: "Reaction" });
export type ReactionView = z.infer<typeof reactionView>;

/**
 * Under a thread's root: how many replies it has (deleted ones not counted), when the
 * last came, and up to MAX_THREAD_PARTICIPANTS people who replied, the most recent first.
 */
export const threadSummary = z
  .object({
    reply_count: z.number(),
    last_reply_at: z.nullable(z.number()),
    participant_ids: z.array(z.string()),
  })
  .register(z.globalRegistry, { id: "ThreadSummary" });
export type ThreadSummary = z.infer<typeof threadSummary>;
export const MAX_THREAD_PARTICIPANTS = 5;

export const messageView = z
  .object({
    id: z.string(),
    conversation_id: z.string(),
    seq: z.number(),
    sender_id: z.string(),
    body: z.string(),
    client_id: z.nullable(z.string()),
    created_at: z.number(),
    edited_at: z.optional(z.number()),
    deleted: z.optional(z.literal(true)),
    reply_to: z.optional(z.string()),
    reactions: z.optional(z.array(reactionView)),
    attachments: z.optional(z.array(attachmentView)),
    /** A thread reply: its root's id, and its place in the thread (1, 2, ... gapless). */
    thread_id: z.optional(z.string()),
    thread_seq: z.optional(z.number()),
    /** A thread reply that the conversation's timeline shows too. */
    also_to_conversation: z.optional(z.literal(true)),
    /** A thread's root: the summary of its replies. */
    thread: z.optional(threadSummary),
    /** In an encrypted conversation: `body` is this MLS message in base64url. */
    mls: z.optional(mlsEnvelope),
  })
  .register(z.globalRegistry, { id: "Message" });
export type MessageView = z.infer<typeof messageView>;

/** The most messages one conversation may have pinned at once. */
export const MAX_PINS = 50;

/** A pinned message: the message as everywhere, with who pinned it and when. */
export const pinnedMessageView = z
  .extend(messageView, { pinned_by: z.string(), pinned_at: z.number() })
  .register(z.globalRegistry, { id: "PinnedMessage" });
export type PinnedMessageView = z.infer<typeof pinnedMessageView>;

export const memberView = z
  .object({
    user: userView,
    role: memberRole,
    joined_at: z.number(),
    read_seq: z.number(),
    online: z.boolean(),
    last_seen_at: z.nullable(z.number()),
  })
  .register(z.globalRegistry, { id: "Member" });
export type MemberView = z.infer<typeof memberView>;

const conversationType = z.enum(["direct", "group"]);

/**
 * A direct conversation opened by someone who shared no conversation with the other
 * person is a message request until that person accepts it. Seen by the caller:
 * `pending` (someone asks you; no presence, typing or read receipts flow either way),
 * `declined` (you turned it down; it stays out of your list and nothing reaches you),
 * `sent` (you asked and wait; declining looks the same as waiting). Absent once accepted,
 * and on every conversation that never was a request.
 */
export const requestState = z.enum(["pending", "declined", "sent"]);
export type RequestState = z.infer<typeof requestState>;

/** A conversation as every member sees it, without per-member fields. */
export const conversationSummary = z
  .object({
    id: z.string(),
    type: conversationType,
    title: z.nullable(z.string()),
    created_at: z.number(),
    members: z.array(z.object({ user: userView, role: memberRole })),
    /**
     * true on a direct conversation that began as a message request: its creator
     * (`created_by` of the event) sees it as `sent`, the other member as `pending`.
     */
    request: z.optional(z.literal(true)),
  })
  .register(z.globalRegistry, { id: "ConversationSummary" });
export type ConversationSummary = z.infer<typeof conversationSummary>;

export const conversationView = z
  .object({
    id: z.string(),
    type: conversationType,
    title: z.nullable(z.string()),
    created_at: z.number(),
    last_seq: z.number(),
    last_activity_at: z.number(),
    members: z.array(memberView),
    last_message: z.nullable(messageView),
    unread_count: z.number(),
    role: memberRole,
    /** Absent unless this direct conversation is a message request (see `requestState`). */
    request: z.optional(requestState),
    /**
     * Groups: whether every member may pin messages (false: only the owner and admins).
     * Absent on direct conversations, where both people may.
     */
    members_can_pin: z.optional(z.boolean()),
    /**
     * Groups: the group's own time to keep messages, in days (0: as long as the server
     * allows; null: the server's default, see `GET /server`). Absent on direct
     * conversations, which keep the server's default.
     */
    retention_days: z.optional(retentionDays),
    /** The caller's notification preference (level, mute) of this conversation. */
    notifications: z.optional(notificationState),
    /** End-to-end encrypted: its messages are MLS messages (docs/E2EE.md). */
    encrypted: z.optional(z.literal(true)),
    /** Encrypted: the MLS epoch the server's next commit must come from. */
    mls_epoch: z.optional(z.number()),
  })
  .register(z.globalRegistry, { id: "Conversation" });
export type ConversationView = z.infer<typeof conversationView>;

// Response envelopes.

export const conversationsResponse = z.object({
  conversations: z.array(conversationView),
  /** Pass as `cursor` for the next page; null on the last page. */
  next_cursor: z.nullable(z.string()),
});
export const messagesResponse = z.object({ messages: z.array(messageView) });

/** The most earlier versions kept of one message; an edit past it drops the oldest. */
export const MAX_MESSAGE_VERSIONS = 100;

/**
 * An earlier body of an edited message. `edited_at` is when this version was written:
 * the send time for the original, the time of the edit that wrote it for later ones.
 */
export const messageVersionView = z
  .object({ body: z.string(), edited_at: z.number() })
  .register(z.globalRegistry, { id: "MessageVersion" });
export type MessageVersionView = z.infer<typeof messageVersionView>;

/** `GET /api/v1/messages/:id/versions`: the earlier versions, oldest first. */
export const messageVersionsResponse = z.object({ versions: z.array(messageVersionView) });
export type MessageVersionsResponse = z.infer<typeof messageVersionsResponse>;

/**
 * GET /api/v1/messages/:id/thread: a page of replies, oldest first, and where the caller
 * stands: whether they follow the thread and the thread_seq they read up to.
 */
export const threadResponse = z.object({
  messages: z.array(messageView),
  following: z.boolean(),
  read_thread_seq: z.number(),
});
export type ThreadResponse = z.infer<typeof threadResponse>;

export const followResponse = z.object({ following: z.boolean() });
export const threadReadBody = z.strictObject({
  thread_seq: z.int().check(z.minimum(0), z.maximum(MAX_THREAD_SEQ)),
});
export const threadReadResponse = z.object({ read_thread_seq: z.number() });

/** The most threads one page of `GET /api/v1/threads` holds, and its default. */
export const MAX_THREADS_PAGE = 100;
export const threadsQuery = z.strictObject({
  limit: z._default(
    z.coerce.number().check(z.int(), z.minimum(1), z.maximum(MAX_THREADS_PAGE)),
    50,
  ),
  cursor: z.optional(z.string().check(z.maxLength(200))),
});

/** A thread the caller follows: its root (with the summary) and the replies not yet read. */
export const followedThreadView = z
  .object({
    root: messageView,
    unread_count: z.number(),
    read_thread_seq: z.number(),
  })
  .register(z.globalRegistry, { id: "FollowedThread" });
export type FollowedThreadView = z.infer<typeof followedThreadView>;

/** GET /api/v1/threads: followed threads, the latest reply first. */
export const threadsResponse = z.object({
  threads: z.array(followedThreadView),
  /** Pass as `cursor` for the next page; null on the last page. */
  next_cursor: z.nullable(z.string()),
});
export type ThreadsResponse = z.infer<typeof threadsResponse>;

/** GET /api/v1/conversations/:id/pins: the most recently pinned first. */
export const pinsResponse = z.object({ messages: z.array(pinnedMessageView) });
export const readResponse = z.object({ read_seq: z.number() });

// Blocking: a person you block cannot open a direct conversation with you, send to one
// you share, or add you to a group; their messages in groups you share stay hidden for
// you, and no presence or typing flows between you either way.

export const blockBody = z.strictObject({ user_id: id });
export const blockParams = z.strictObject({ user_id: id });
export const blockView = z
  .object({ user: userView, created_at: z.number() })
  .register(z.globalRegistry, { id: "Block" });
export type BlockView = z.infer<typeof blockView>;
export const blocksResponse = z.object({ blocks: z.array(blockView) });
