/**
 * Rebuilds a committed event from its row in the log, for nodes that fill a gap from the
 * database instead of hearing the event over pub/sub.
 */
import type { ChatEvent, ChatEventType } from "../protocol/frames.js";
import type { LoggedEvent } from "../storage/events.js";
import { eventFrame } from "../sync/service.js";
import type { CommittedEvent } from "./bus.js";

function membershipOf(event: ChatEvent): CommittedEvent["membership"] {
  switch (event.type) {
    case "conversation.created":
      return { userIds: event.conversation.members.map((m) => m.user.id), action: "joined" };
    case "member.joined":
      return { userIds: [event.user.id], action: "joined" };
    case "member.left":
      return { userIds: [event.user_id], action: "left" };
    default:
      return undefined;
  }
}

export function committedFromLog(logged: LoggedEvent): CommittedEvent {
  const committed: CommittedEvent = {
    cursor: logged.id,
    conversationId: logged.conversationId,
    userId: logged.userId,
    type: logged.type as ChatEventType,
    frame: eventFrame(logged),
  };
  // A personal copy (userId set) changes no rooms; only the conversation's own event does.
  if (logged.userId === null) {
    const membership = membershipOf(JSON.parse(logged.payload) as ChatEvent);
    if (membership) committed.membership = membership;
  }
  return committed;
}
