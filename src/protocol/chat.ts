/**
 * Conversations and messages on the wire: request schemas of their REST endpoints and
 * the shapes the server sends back, shared with every client.
 */
import { z } from "zod";
import { attachmentView, MAX_ATTACHMENTS_PER_MESSAGE } from "./attachments.js";
import { userView } from "./rest.js";

export const MAX_PAGE = 100;
export const MAX_GROUP_MEMBERS = 10_000;
export const MAX_TITLE = 100;
export const MAX_CLIENT_ID = 64;
export const MAX_EMOJI_LENGTH = 32;

const id = z.string().min(1).max(64);
const clientId = z.string().min(1).max(MAX_CLIENT_ID);
// Message bodies are length-checked by the service against the configured maximum, so
// the schema only bounds them generously.
const body = z.string().max(100_000);

export const createConversationBody = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("direct"), member_ids: z.array(id).length(1) }),
  z.strictObject({
    type: z.literal("group"),
    title: z.string().max(MAX_TITLE),
    member_ids: z.array(id).max(MAX_GROUP_MEMBERS).default([]),
  }),
]);
export type CreateConversationBody = z.infer<typeof createConversationBody>;

export const updateConversationBody = z.strictObject({ title: z.string().max(MAX_TITLE) });
export const addMembersBody = z.strictObject({
  user_ids: z.array(id).min(1).max(MAX_GROUP_MEMBERS),
});
export const memberRole = z.enum(["owner", "admin", "member"]);
export const updateMemberBody = z.strictObject({ role: memberRole });
export const memberParams = z.strictObject({ id, user_id: id });

export const sendMessageBody = z.strictObject({
  body,
  client_id: clientId.optional(),
  reply_to: id.optional(),
  attachment_ids: z.array(z.uuid()).max(MAX_ATTACHMENTS_PER_MESSAGE).optional(),
});
export type SendMessageBody = z.infer<typeof sendMessageBody>;

export const editMessageBody = z.strictObject({ body });
export const reactionBody = z.strictObject({ emoji: z.string().min(1).max(MAX_EMOJI_LENGTH) });
export const reactionParams = z.strictObject({
  id,
  emoji: z
    .string()
    .min(1)
    .max(MAX_EMOJI_LENGTH * 4),
});
export const readBody = z.strictObject({ seq: z.int().min(0) });

const seqParam = z.coerce.number().int().min(0);
export const historyQuery = z.strictObject({
  before: seqParam.optional(),
  after: seqParam.optional(),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(50),
});

export const syncQuery = z.strictObject({
  since: z.coerce.number().int().min(0),
  limit: z.coerce.number().int().min(1).max(1000).default(500),
});

export const usersQuery = z.strictObject({
  q: z.string().max(32).default(""),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(20),
});

export type Role = z.infer<typeof memberRole>;

export const reactionView = z.object({
  emoji: z.string(),
  count: z.number(),
  user_ids: z.array(z.string()),
});
export type ReactionView = z.infer<typeof reactionView>;

export const messageView = z.object({
  id: z.string(),
  conversation_id: z.string(),
  seq: z.number(),
  sender_id: z.string(),
  body: z.string(),
  client_id: z.string().nullable(),
  created_at: z.number(),
  edited_at: z.number().optional(),
  deleted: z.literal(true).optional(),
  reply_to: z.string().optional(),
  reactions: z.array(reactionView).optional(),
  attachments: z.array(attachmentView).optional(),
});
export type MessageView = z.infer<typeof messageView>;

export const memberView = z.object({
  user: userView,
  role: memberRole,
  joined_at: z.number(),
  read_seq: z.number(),
  online: z.boolean(),
  last_seen_at: z.number().nullable(),
});
export type MemberView = z.infer<typeof memberView>;

const conversationType = z.enum(["direct", "group"]);

/** A conversation as every member sees it, without per-member fields. */
export const conversationSummary = z.object({
  id: z.string(),
  type: conversationType,
  title: z.string().nullable(),
  created_at: z.number(),
  members: z.array(z.object({ user: userView, role: memberRole })),
});
export type ConversationSummary = z.infer<typeof conversationSummary>;

export const conversationView = z.object({
  id: z.string(),
  type: conversationType,
  title: z.string().nullable(),
  created_at: z.number(),
  last_seq: z.number(),
  last_activity_at: z.number(),
  members: z.array(memberView),
  last_message: messageView.nullable(),
  unread_count: z.number(),
  role: memberRole,
});
export type ConversationView = z.infer<typeof conversationView>;
