/**
 * search <query> [--in <conversation>]: messages matching the query (the server's search
 * language), newest first, one line each with the conversation and the message id.
 */
import type { Values } from "../args.js";
import { stringOption } from "../args.js";
import { namedConversation } from "../conversation-arg.js";
import { requireCredentials } from "../current-user.js";
import { CliError, EXIT_OK } from "../errors.js";
import { formatTime } from "../format.js";
import type { Io } from "../io.js";
import { NameBook } from "../names.js";
import { conversationName, shortId } from "../resolve.js";
import { safeBody, safeInline, safeJson } from "../sanitize.js";
import { apiFor } from "../session.js";

export async function search(values: Values, positionals: string[], io: Io): Promise<number> {
  const q = positionals.join(" ").trim();
  if (q === "") throw new CliError("usage", "the search query is empty");
  const within = stringOption(values, "in");
  const scope = within === undefined ? undefined : await namedConversation(within);
  const credentials = scope?.credentials ?? (await requireCredentials());
  const api = scope?.api ?? apiFor(credentials);
  const answer = await api.search({
    q,
    ...(scope ? { conversation_id: scope.conversation.id } : {}),
    limit: 50,
  });
  if (values.json) {
    io.out(safeJson(answer, 2));
    return EXIT_OK;
  }
  if (answer.results.length === 0) {
    io.err(io.errStyle.dim("no messages match"));
    return EXIT_OK;
  }
  const names = new NameBook(api);
  const conversations = new Map((await api.conversations()).map((c) => [c.id, c]));
  for (const conversation of conversations.values()) names.addConversation(conversation);
  for (const result of answer.results) {
    const conversation = conversations.get(result.conversation_id);
    const where = conversation
      ? conversationName(conversation, credentials.user_id)
      : shortId(result.conversation_id);
    const sender = await names.name(result.message.sender_id);
    io.out(
      [
        io.outStyle.dim(result.message.id),
        formatTime(result.message.created_at),
        safeInline(where),
        `${safeInline(sender)}:`,
        safeBody(result.snippet),
      ].join("  "),
    );
  }
  return EXIT_OK;
}
