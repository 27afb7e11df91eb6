/**
 * Conversations and messages on the wire: request schemas of their REST endpoints and
 * the shapes the server sends back, shared with every client.
 */
import { z } from "zod";
import { type AttachmentView, MAX_ATTACHMENTS_PER_MESSAGE } from "./attachments.js";
import type { UserView } from "./rest.js";

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

export interface ReactionView {
  emoji: string;
  count: number;
  user_ids: string[];
}

export interface MessageView {
  id: string;
  conversation_id: string;
  seq: number;
  sender_id: string;
  body: string;
  client_id: string | null;
  created_at: number;
  edited_at?: number;
  deleted?: true;
  reply_to?: string;
  reactions?: ReactionView[];
  attachments?: AttachmentView[];
}

export interface MemberView {
  user: UserView;
  role: Role;
  joined_at: number;
  read_seq: number;
  online: boolean;
  last_seen_at: number | null;
}

/** A conversation as every member sees it, without per-member fields. */
export interface ConversationSummary {
  id: string;
  type: "direct" | "group";
  title: string | null;
  created_at: number;
  members: { user: UserView; role: Role }[];
}

export interface ConversationView {
  id: string;
  type: "direct" | "group";
  title: string | null;
  created_at: number;
  last_seq: number;
  last_activity_at: number;
  members: MemberView[];
  last_message: MessageView | null;
  unread_count: number;
  role: Role;
}
