/**
 * edit, delete and react: changes to one message, named by its full id (tail --json and
 * send --json print it); read marks a conversation read up to its newest message. In an
 * end-to-end encrypted conversation an edit or a reaction is an encrypted message of its
 * own (encrypted-actions.ts).
 */
import { type ApiClient, ApiError, type MessageView } from "@private-chat/sdk";
import type { Values } from "../args.js";
import { namedConversation } from "../conversation-arg.js";
import { requireCredentials } from "../current-user.js";
import { keptConversations } from "../encrypted-store.js";
import { CliError, EXIT_OK } from "../errors.js";
import { formatMessage } from "../format.js";
import type { Io } from "../io.js";
import { NameBook } from "../names.js";
import { conversationName } from "../resolve.js";
import { safeInline, safeJson } from "../sanitize.js";
import { apiFor } from "../session.js";

const MESSAGE_ID = /^[A-Za-z0-9_-]{1,64}$/;

function messageId(value: string | undefined): string {
  const id = (value ?? "").trim();
  if (!MESSAGE_ID.test(id))
    throw new CliError("invalid_request", `"${safeInline(id)}" is not a message id`);
  return id;
}

async function show(api: ApiClient, message: MessageView, values: Values, io: Io) {
  if (values.json) io.out(safeJson(message));
  else {
    const sender = await new NameBook(api).name(message.sender_id);
    io.out(
      formatMessage(
        message,
        sender,
        io.outStyle,
        message.deleted ? "deleted" : message.edited_at ? "edited" : "new",
      ),
    );
  }
  return EXIT_OK;
}

/** What the server answers with encryption_required: a message of an encrypted conversation. */
const isEncrypted = (err: unknown) => err instanceof ApiError && err.code === "encryption_required";

export async function edit(values: Values, positionals: string[], io: Io): Promise<number> {
  const [id, ...words] = positionals;
  const text = words.join(" ");
  if (text.trim() === "") throw new CliError("body_empty", "the message is empty");
  const credentials = await requireCredentials();
  const api = apiFor(credentials);
  const target = messageId(id);
  // The plain path first: it costs an encrypted conversation's edit one refused request.
  const edited = await api.editMessage(target, text).catch(async (err: unknown) => {
    if (!isEncrypted(err)) throw err;
    const { editEncrypted } = await import("../encrypted-actions.js");
    return editEncrypted(api, credentials.user_id, await api.message(target), text, io);
  });
  return show(api, edited, values, io);
}

export async function deleteCommand(values: Values, positionals: string[], io: Io) {
  const credentials = await requireCredentials();
  const api = apiFor(credentials);
  const deleted = await api.deleteMessage(messageId(positionals[0]));
  // In an encrypted conversation this device's plaintext goes too, and with it the backup's.
  if (keptConversations(credentials.user_id).includes(deleted.conversation_id))
    await (await import("../history-backup.js")).forgetHere(
      api,
      credentials.user_id,
      deleted,
      (line) => io.err(line),
    );
  return show(api, deleted, values, io);
}

export async function react(values: Values, positionals: string[], io: Io): Promise<number> {
  const [id, emoji = ""] = positionals;
  if (emoji.trim() === "") throw new CliError("usage", "the emoji is empty");
  const credentials = await requireCredentials();
  const api = apiFor(credentials);
  const target = messageId(id);
  const action = values.remove ? "removed" : "added";
  // The plain path first: an encrypted message refuses a reaction, and takes back none.
  const plain = await (values.remove
    ? api.unreact(target, emoji.trim())
    : api.react(target, emoji.trim())
  ).catch((err: unknown) => {
    if (!isEncrypted(err)) throw err;
    return undefined;
  });
  const message =
    plain && !plain.mls
      ? plain
      : await (await import("../encrypted-actions.js")).reactEncrypted(
          api,
          credentials.user_id,
          plain ?? (await api.message(target)),
          emoji.trim(),
          action,
          io,
        );
  if (values.json) io.out(safeJson(message));
  else {
    const counts = (message.reactions ?? [])
      .map((r) => `${safeInline(r.emoji)} ${r.count}`)
      .join("  ");
    io.out(
      `${values.remove ? "removed" : "reacted"} ${safeInline(emoji.trim())}${counts ? `; now ${counts}` : ""}`,
    );
  }
  return EXIT_OK;
}

export async function read(values: Values, positionals: string[], io: Io): Promise<number> {
  const { credentials, api, conversation } = await namedConversation(positionals[0]);
  const readSeq = await api.markRead(conversation.id, conversation.last_seq);
  if (values.json) io.out(safeJson({ conversation_id: conversation.id, read_seq: readSeq }));
  else
    io.out(
      `marked ${safeInline(conversationName(conversation, credentials.user_id))} read up to message ${readSeq}`,
    );
  return EXIT_OK;
}
