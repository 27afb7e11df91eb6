/**
 * dm <username> [--encrypted]: starts a direct chat with a person, or opens the one there
 * is, and prints it (--json: {"created": bool, "conversation": {...}}). An encrypted one
 * is another chat, whose group this device sets up when nobody has.
 */
import type { Values } from "../args.js";
import { requireCredentials } from "../current-user.js";
import { requestNote, startDirectChat } from "../direct-chat.js";
import { EXIT_OK } from "../errors.js";
import { formatConversation } from "../format.js";
import type { Io } from "../io.js";
import { NameBook } from "../names.js";
import { conversationName } from "../resolve.js";
import { safeInline, safeJson } from "../sanitize.js";
import { apiFor } from "../session.js";

export async function dm(values: Values, positionals: string[], io: Io): Promise<number> {
  const credentials = await requireCredentials();
  const api = apiFor(credentials);
  const encrypted = values.encrypted === true;
  const { conversation, created } = await startDirectChat(api, positionals[0] ?? "", encrypted);
  // Loaded only for an encrypted conversation: end-to-end encryption is most of the client's code.
  const e2ee = encrypted ? await import("../encrypted-chat.js") : undefined;
  const ready = e2ee
    ? await e2ee.setUpConversation(api, credentials.user_id, conversation, io)
    : true;
  if (values.json) {
    io.out(safeJson({ created, conversation }));
    return EXIT_OK;
  }
  const name = safeInline(conversationName(conversation, credentials.user_id));
  const kind = encrypted ? "an end-to-end encrypted" : "a";
  io.err(io.errStyle.dim(created ? `started ${kind} direct chat with ${name}` : `opened ${name}`));
  if (!ready && e2ee) io.err(e2ee.notReady(name));
  const note = requestNote(conversation, name);
  if (note) io.err(note);
  const names = new NameBook(api);
  names.addConversation(conversation);
  io.out(formatConversation(conversation, credentials.user_id, names, io.outStyle));
  return EXIT_OK;
}
