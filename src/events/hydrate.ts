/**
 * Events read back from the log, whole again. An event that carries a message may be
 * stored as a reference to it (storage/event-reference.ts, REFERENCE_PAYLOAD), so that
 * the message is not kept twice; replay (sync, resume, another node's catch-up) then puts
 * the message back as it is now, as clients see it (reactions, files, thread summary; a
 * tombstone once deleted). A reference whose message is gone is left out; rows that hold
 * the whole message (written before the contract step 020) pass as stored.
 */
import type { MessageView } from "@private-chat/protocol/chat";
import { presentMessages } from "../messages/present.js";
import { isReference, type LoggedEvent } from "../storage/events.js";
import type { Repositories } from "../storage/store.js";

export async function hydrate(repos: Repositories, events: LoggedEvent[]): Promise<LoggedEvent[]> {
  const ids = [...new Set(events.filter(isReference).map((e) => e.messageId))];
  if (ids.length === 0) return events;
  const views = await presentMessages(repos, await repos.messages.byIds(ids));
  const byId = new Map<string, MessageView>(views.map((view) => [view.id, view]));
  const whole: LoggedEvent[] = [];
  for (const event of events) {
    if (!isReference(event)) {
      whole.push(event);
      continue;
    }
    const message = byId.get(event.messageId);
    if (!message) continue;
    const { type, conversationId: conversation_id } = event;
    whole.push({ ...event, payload: JSON.stringify({ type, conversation_id, message }) });
  }
  return whole;
}
