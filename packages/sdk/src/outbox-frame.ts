/**
 * The `message.send` frame of an outbox entry, and its size check: a frame the server
 * would close the socket for (1009) must never enter the outbox, or every reconnection
 * would re-send it and be closed again.
 */
import {
  type ClientFrame,
  encodeClientFrame,
  MAX_FRAME_BYTES,
} from "@private-chat/protocol/frames";
import type { OutboxEntry } from "./socket-types.js";

/** The entry's frame; its request id is its client id. */
export function sendFrameOf(entry: OutboxEntry): ClientFrame {
  return {
    type: "message.send",
    id: entry.clientId,
    conversation_id: entry.conversationId,
    body: entry.body,
    client_id: entry.clientId,
    ...(entry.replyTo ? { reply_to: entry.replyTo } : {}),
    ...(entry.attachmentIds?.length ? { attachment_ids: entry.attachmentIds } : {}),
    ...(entry.threadId ? { thread_id: entry.threadId } : {}),
    ...(entry.threadId && entry.alsoToConversation ? { also_to_conversation: true } : {}),
  };
}

/** The frame's size in bytes when it is over the server's limit, else undefined. */
export function oversized(entry: OutboxEntry): number | undefined {
  const size = new TextEncoder().encode(encodeClientFrame(sendFrameOf(entry))).length;
  return size > MAX_FRAME_BYTES ? size : undefined;
}
