/**
 * What a push says. A message push carries the conversation, its title, the sender's
 * name, the message's id and seq and the first 200 characters of its text; with
 * `[push] include_content = false` it carries neither text nor names ("New message"),
 * and the app fetches the message after it wakes. Never more than 3 KB.
 */
import { createHash } from "node:crypto";
import {
  MAX_PUSH_PAYLOAD_BYTES,
  PUSH_TEXT_CHARS,
  type PushPayload,
} from "@private-chat/protocol/push";

/** Shown instead of a title when content stays off the push services. */
export const HIDDEN_TITLE = "New message";
const NAME_CHARS = 100;

/**
 * The push `Topic` of a conversation (at most 32 URL-safe characters, RFC 8030 §5.4): a
 * push service keeps only the newest undelivered push of a topic.
 */
export function topicFor(conversationId: string): string {
  return createHash("sha256").update(conversationId).digest("base64url").slice(0, 32);
}

function cut(text: string, chars: number): string {
  const points = [...text];
  return points.length <= chars ? text : points.slice(0, chars).join("");
}

export interface MessageFacts {
  conversationId: string;
  title: string;
  senderName: string;
  messageId: string;
  seq: number;
  text: string;
}

export function messagePayload(facts: MessageFacts, includeContent: boolean): string {
  const payload: PushPayload = includeContent
    ? {
        type: "message",
        conversation_id: facts.conversationId,
        title: cut(facts.title, NAME_CHARS),
        sender_name: cut(facts.senderName, NAME_CHARS),
        message_id: facts.messageId,
        seq: facts.seq,
        text: cut(facts.text, PUSH_TEXT_CHARS),
      }
    : {
        type: "message",
        conversation_id: facts.conversationId,
        title: HIDDEN_TITLE,
        message_id: facts.messageId,
        seq: facts.seq,
      };
  let json = JSON.stringify(payload);
  // Escaped control characters can make even 200 characters long: shorten until it fits.
  while (Buffer.byteLength(json) > MAX_PUSH_PAYLOAD_BYTES && payload.type === "message") {
    payload.text = cut(payload.text ?? "", Math.floor([...(payload.text ?? "")].length / 2));
    payload.title = cut(payload.title, Math.floor([...payload.title].length / 2));
    if (payload.sender_name !== undefined)
      payload.sender_name = cut(
        payload.sender_name,
        Math.floor([...payload.sender_name].length / 2),
      );
    json = JSON.stringify(payload);
  }
  return json;
}

export function readPayload(conversationId: string, seq: number): string {
  const payload: PushPayload = { type: "read", conversation_id: conversationId, seq };
  return JSON.stringify(payload);
}

/** The notification a person asks for in Settings, to see that pushes reach this browser. */
export function testPayload(): string {
  const payload: PushPayload = {
    type: "test",
    title: "Private Chat",
    text: "Notifications work on this device.",
  };
  return JSON.stringify(payload);
}
