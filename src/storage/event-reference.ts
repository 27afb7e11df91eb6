/**
 * The payload of an event that carries a message (events.ts, MESSAGE_EVENTS_WITH_BODY)
 * stored as a reference to it: nothing, its columns (type, conversation_id, message_id)
 * say the rest and the message row holds the message, so that the log does not repeat
 * it. Replay puts the message back as it is now (events/hydrate.ts). Written once every
 * node can read them (event-format.ts). A module of its own: the SQLite writer thread
 * writes such events and loads no Kysely.
 */
export const REFERENCE_PAYLOAD = "";
