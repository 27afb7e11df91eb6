/**
 * WebSocket frames: the schemas of what a client may send and the types of what the
 * server sends. Every frame is one JSON text message with a `type`.
 */
import { z } from "zod";
import { MAX_ATTACHMENTS_PER_MESSAGE } from "./attachments.js";
import type { ConversationSummary, MessageView, ReactionView, Role } from "./chat.js";
import type { ErrorCode } from "./errors.js";
import type { UserView } from "./rest.js";

export const MAX_FRAME_BYTES = 64 * 1024;

const requestId = z.union([z.string().max(64), z.number()]);
const conversationId = z.string().min(1).max(64);

export const clientFrame = z.discriminatedUnion("type", [
  z.strictObject({
    type: z.literal("message.send"),
    id: requestId,
    conversation_id: conversationId,
    body: z.string().max(100_000),
    client_id: z.string().min(1).max(64).optional(),
    reply_to: z.string().min(1).max(64).optional(),
    attachment_ids: z.array(z.uuid()).max(MAX_ATTACHMENTS_PER_MESSAGE).optional(),
  }),
  z.strictObject({
    type: z.literal("typing"),
    conversation_id: conversationId,
    id: requestId.optional(),
  }),
  z.strictObject({
    type: z.literal("read"),
    conversation_id: conversationId,
    seq: z.int().min(0),
    id: requestId.optional(),
  }),
  z.strictObject({ type: z.literal("sync"), since: z.int().min(0), id: requestId.optional() }),
  z.strictObject({ type: z.literal("ping"), id: requestId.optional() }),
]);
export type ClientFrame = z.infer<typeof clientFrame>;
export const CLIENT_FRAME_TYPES = ["message.send", "typing", "read", "sync", "ping"] as const;

/** Events stored in the log and replayed by sync; each carries its cursor. */
export type ChatEvent =
  | { type: "message.new"; conversation_id: string; message: MessageView }
  | { type: "message.updated"; conversation_id: string; message: MessageView }
  | { type: "message.deleted"; conversation_id: string; message: MessageView }
  | {
      type: "reaction";
      conversation_id: string;
      message_id: string;
      user_id: string;
      emoji: string;
      action: "added" | "removed";
      reactions: ReactionView[];
    }
  | { type: "read"; conversation_id: string; user_id: string; seq: number }
  | {
      type: "conversation.updated";
      conversation_id: string;
      title: string | null;
      updated_by: string;
    }
  | {
      type: "conversation.created";
      conversation_id: string;
      conversation: ConversationSummary;
      created_by: string;
    }
  | { type: "member.joined"; conversation_id: string; user: UserView; role: Role; added_by: string }
  | { type: "member.left"; conversation_id: string; user_id: string; removed_by: string }
  | {
      type: "member.role";
      conversation_id: string;
      user_id: string;
      role: Role;
      changed_by: string;
    }
  | {
      type: "mention";
      conversation_id: string;
      message_id: string;
      seq: number;
      sender_id: string;
    };

export type ChatEventType = ChatEvent["type"];
export type StoredEvent = ChatEvent & { cursor: number };

export type ServerFrame =
  | { type: "ready"; user: UserView; cursor: number; session_id: string }
  | { type: "ack"; id: string | number; message: MessageView; cursor: number; duplicate?: true }
  | StoredEvent
  | { type: "typing"; conversation_id: string; user_id: string }
  | { type: "presence"; user_id: string; status: "online" | "offline"; last_seen_at: number | null }
  | { type: "synced"; id?: string | number; cursor: number; has_more: boolean }
  | { type: "pong"; id?: string | number }
  | { type: "error"; id?: string | number; code: ErrorCode; message: string };

/** Socket close codes beyond the standard ones. */
export const CLOSE_CODES = {
  normal: 1000,
  goingAway: 1001,
  policyViolation: 1008,
  tooBig: 1009,
  authentication: 4401,
} as const;
