/**
 * Rebuilds a committed event from its row in the log, for nodes that fill a gap from the
 * database instead of hearing the event over pub/sub.
 */
import type { ChatEvent } from "@private-chat/protocol/frames";
import type { LoggedEvent } from "../storage/events.js";
import type { CommittedEvent } from "./bus.js";
import type { AppendOptions } from "./log.js";
import { committedEvent } from "./log.js";

function membershipOf(event: ChatEvent): AppendOptions["membership"] {
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
  const event = JSON.parse(logged.payload) as ChatEvent;
  const options: AppendOptions = {};
  if (logged.userId !== null) options.userId = logged.userId;
  // A personal copy (userId set) changes no rooms; only the conversation's own event does.
  const membership = logged.userId === null ? membershipOf(event) : undefined;
  if (membership) options.membership = membership;
  return committedEvent(logged.id, event, logged.payload, options);
}
