/**
 * conversations: the list, one line each, or the raw array with --json.
 */
import type { Values } from "../args.js";
import { requireCredentials } from "../current-user.js";
import { EXIT_OK } from "../errors.js";
import { formatConversation } from "../format.js";
import type { Io } from "../io.js";
import { NameBook } from "../names.js";
import { blockedSet } from "../people.js";
import { safeJson } from "../sanitize.js";
import { apiFor } from "../session.js";

export async function conversations(values: Values, io: Io): Promise<number> {
  const credentials = await requireCredentials();
  const api = apiFor(credentials);
  const [list, blocked] = await Promise.all([api.conversations(), blockedSet(api)]);
  if (values.json) {
    io.out(safeJson(list, 2));
    return EXIT_OK;
  }
  if (list.length === 0) {
    io.err(io.errStyle.dim("no conversations yet"));
    return EXIT_OK;
  }
  const names = new NameBook(api);
  for (const conversation of list) names.addConversation(conversation);
  for (const conversation of list) {
    io.out(formatConversation(conversation, credentials.user_id, names, io.outStyle, blocked));
  }
  return EXIT_OK;
}
