/**
 * requests, accept, decline: direct conversations opened by people who shared no
 * conversation with the user wait as message requests until accepted.
 */
import type { Values } from "../args.js";
import { namedConversation } from "../conversation-arg.js";
import { requireCredentials } from "../current-user.js";
import { EXIT_OK } from "../errors.js";
import { formatConversation } from "../format.js";
import type { Io } from "../io.js";
import { NameBook } from "../names.js";
import { requestsOf } from "../people.js";
import { conversationName } from "../resolve.js";
import { safeInline, safeJson } from "../sanitize.js";
import { apiFor } from "../session.js";

export async function requests(values: Values, io: Io): Promise<number> {
  const credentials = await requireCredentials();
  const api = apiFor(credentials);
  const list = requestsOf(await api.conversations());
  if (values.json) {
    io.out(safeJson(list, 2));
    return EXIT_OK;
  }
  if (list.length === 0) {
    io.err(io.errStyle.dim("no message requests"));
    return EXIT_OK;
  }
  const names = new NameBook(api);
  for (const conversation of list) names.addConversation(conversation);
  for (const conversation of list)
    io.out(formatConversation(conversation, credentials.user_id, names, io.outStyle));
  return EXIT_OK;
}

/** accept or decline <conversation>: answers a message request. */
export async function answer(
  action: "accept" | "decline",
  values: Values,
  positionals: string[],
  io: Io,
): Promise<number> {
  const { credentials, api, conversation: target } = await namedConversation(positionals[0]);
  const result =
    action === "accept" ? await api.acceptRequest(target.id) : await api.declineRequest(target.id);
  if (values.json) io.out(safeJson(result));
  else {
    const name = safeInline(conversationName(result, credentials.user_id));
    io.out(action === "accept" ? `accepted ${name}` : `declined ${name}`);
  }
  return EXIT_OK;
}
