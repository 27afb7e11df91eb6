/**
 * Events read back from the log, whole again. An event that carries a message may be
 * stored as a reference to it (storage/events.ts, messageReference), so that the message
 * is not kept twice; replay (sync, resume, another node's catch-up) then puts the message
 * back as it is now, as clients see it (reactions, files, thread summary). A reference
 * whose message is gone is left out; rows that hold the whole message pass as stored.
 * This version writes whole events and reads both, so that the version that starts
 * writing references can run beside it.
 */
import type { MessageView } from "@private-chat/protocol/chat";
import { presentMessages } from "../messages/present.js";
import { isReferenceType, type LoggedEvent } from "../storage/events.js";
import type { Repositories } from "../storage/store.js";

interface Reference {
  type: string;
  conversation_id: string;
  message_id: string;
}

function referenceOf(event: LoggedEvent): Reference | undefined {
  if (!isReferenceType(event.type)) return undefined;
  const stored = JSON.parse(event.payload) as Partial<Reference> & { message?: unknown };
  return stored.message === undefined && typeof stored.message_id === "string"
    ? (stored as Reference)
    : undefined;
}

export async function hydrate(repos: Repositories, events: LoggedEvent[]): Promise<LoggedEvent[]> {
  const references = new Map<LoggedEvent, Reference>();
  for (const event of events) {
    const reference = referenceOf(event);
    if (reference) references.set(event, reference);
  }
  if (references.size === 0) return events;
  const ids = [...new Set([...references.values()].map((r) => r.message_id))];
  const views = await presentMessages(repos, await repos.messages.byIds(ids));
  const byId = new Map<string, MessageView>(views.map((view) => [view.id, view]));
  const whole: LoggedEvent[] = [];
  for (const event of events) {
    const reference = references.get(event);
    if (!reference) {
      whole.push(event);
      continue;
    }
    const message = byId.get(reference.message_id);
    if (!message) continue;
    const { type, conversation_id } = reference;
    whole.push({ ...event, payload: JSON.stringify({ type, conversation_id, message }) });
  }
  return whole;
}
