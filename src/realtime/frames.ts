/**
 * Every frame the server writes on a socket is made here, one function per frame type.
 * Each returns the frame's text, serialised once: a fan-out writes that one string to
 * every recipient.
 */

import type { MessageView } from "@private-chat/protocol/chat";
import type { ErrorCode } from "@private-chat/protocol/errors";
import type { ServerFrame } from "@private-chat/protocol/frames";
import type { UserView } from "@private-chat/protocol/rest";
import type { CommittedEvent } from "../events/bus.js";

type RequestId = string | number;

const text = (frame: ServerFrame): string => JSON.stringify(frame);

/**
 * An event as sent on sockets: the event with its cursor. The only place a cursor is
 * added to an event; the logged JSON is reused when this node has it.
 */
export function eventFrame(event: Pick<CommittedEvent, "cursor" | "event" | "logged">): string {
  return loggedEventFrame(event.logged ?? JSON.stringify(event.event), event.cursor);
}

/** The same from the log's JSON of an event (`{...}` without the cursor). */
export function loggedEventFrame(logged: string, cursor: number): string {
  return `{"cursor":${cursor},${logged.slice(1)}`;
}

export function ackFrame(
  requestId: RequestId,
  message: MessageView,
  cursor: number,
  duplicate = false,
): string {
  return text(
    duplicate
      ? { type: "ack", id: requestId, message, cursor, duplicate: true }
      : { type: "ack", id: requestId, message, cursor },
  );
}

export function readyFrame(user: UserView, cursor: number, sessionId: string): string {
  return text({ type: "ready", user, cursor, session_id: sessionId });
}

export function typingFrame(conversationId: string, userId: string): string {
  return text({ type: "typing", conversation_id: conversationId, user_id: userId });
}

export function presenceFrame(userId: string, online: boolean, lastSeenAt: number | null): string {
  return text({
    type: "presence",
    user_id: userId,
    status: online ? "online" : "offline",
    last_seen_at: lastSeenAt,
  });
}

export function syncedFrame(cursor: number, hasMore: boolean, requestId?: RequestId): string {
  return text(
    requestId === undefined
      ? { type: "synced", cursor, has_more: hasMore }
      : { type: "synced", cursor, has_more: hasMore, id: requestId },
  );
}

export function pongFrame(requestId?: RequestId): string {
  return text(requestId === undefined ? { type: "pong" } : { type: "pong", id: requestId });
}

export function errorFrame(code: ErrorCode, message: string, requestId?: RequestId): string {
  return text(
    requestId === undefined
      ? { type: "error", code, message }
      : { type: "error", id: requestId, code, message },
  );
}
