/**
 * The message a `--thread` option names: its full id, or its tag (the last characters of
 * its id, as `tail` prints them) among the conversation's recent messages. A reply names
 * its thread's root, as the server reads it.
 */
import {
  type ApiClient,
  ApiError,
  type ConversationView,
  type MessageView,
} from "@private-chat/sdk";
import { CliError, usageError } from "./errors.js";
import { fetchHistory } from "./feed.js";
import { TAG_LENGTH } from "./resolve.js";
import { safeInline } from "./sanitize.js";

/** How far back a tag is looked for. */
const SEARCH_DEPTH = 1000;

/** The id of the thread's root that `arg` names in `conversation`. */
export async function threadRootOf(
  api: ApiClient,
  conversation: ConversationView,
  arg: unknown,
): Promise<string> {
  const message = await threadMessageOf(api, conversation, arg);
  return message.thread_id ?? message.id;
}

/**
 * The message `arg` names in `conversation`. In an encrypted conversation only its
 * content says which thread it is in (the caller reads it).
 */
export async function threadMessageOf(
  api: ApiClient,
  conversation: ConversationView,
  arg: unknown,
): Promise<MessageView> {
  if (typeof arg !== "string" || arg.trim() === "")
    throw usageError("--thread needs a message id or tag");
  const wanted = arg.trim().toLowerCase();
  if (wanted.length > TAG_LENGTH) {
    const message = await api.message(wanted).catch((err: unknown) => {
      if (err instanceof ApiError && err.status === 404) return undefined;
      throw err;
    });
    if (!message || message.conversation_id !== conversation.id) throw notFound(arg);
    return message;
  }
  const history = await fetchHistory(api, conversation.id, SEARCH_DEPTH);
  const found = history.filter((m) => m.id.toLowerCase().endsWith(wanted));
  if (found.length === 0) throw notFound(arg);
  if (found.length > 1)
    throw new CliError(
      "ambiguous",
      `"${safeInline(arg)}" ends ${found.length} message ids; give more of the id`,
    );
  return found[0] as MessageView;
}

function notFound(arg: string): CliError {
  return new CliError(
    "not_found",
    `no message "${safeInline(arg)}" in this conversation (a tag is looked for among its last ${SEARCH_DEPTH} messages)`,
  );
}
