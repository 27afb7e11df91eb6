/**
 * edit and react in an end-to-end encrypted conversation (docs/E2EE.md): the server
 * cannot change what it cannot read, so each is an encrypted message of its own pointing
 * at the target's seq, and every member's device folds it into the message it changes.
 * Each answers with the target as this device now shows it, as the server answers a plain
 * edit or reaction with the message.
 */
import { type ApiClient, type MessageView, randomId } from "@private-chat/sdk";
import { changesOf } from "@private-chat/sdk/mls";
import { type EncryptedChat, encryptedChat } from "./encrypted-chat.js";
import { messagesAt } from "./encrypted-view.js";
import { CliError } from "./errors.js";
import { backUp } from "./history-backup.js";
import type { Io } from "./io.js";

const PAGE = 100;

/** The target's chat, and what it holds: refused unless it is a text this device reads. */
async function textTarget(api: ApiClient, userId: string, target: MessageView, io: Io) {
  const chat = await encryptedChat(api, userId, await api.conversation(target.conversation_id), io);
  const read = target.deleted ? undefined : await chat.contentOf(target);
  if (read?.content.kind !== "text")
    throw new CliError(
      "invalid_request",
      target.deleted
        ? "the message was deleted"
        : read
          ? "only a text message can be edited or reacted to"
          : "this device cannot read that message",
    );
  return { chat, sender: read.sender };
}

/**
 * The target folded with what changes it. Its reactions come after it, possibly long
 * after: rather than read every message since, this takes the ones this device already
 * opened that point at it (its log holds everything up to its own send, which read the
 * sequence through first), and reads from the server only what came after.
 */
async function shownNow(chat: EncryptedChat, api: ApiClient, target: MessageView) {
  const kept = await chat.kept();
  // Integer keys list in ascending order: the last is the newest message kept.
  const newest = Math.max(target.seq, Number(Object.keys(kept).at(-1) ?? 0));
  const changes = changesOf(kept, new Set([target.seq]));
  const messages = [target, ...(await messagesAt(api, target.conversation_id, changes))];
  for (let after = newest; ; ) {
    const page = await api.history(target.conversation_id, { after, limit: PAGE });
    messages.push(...page);
    const last = page.at(-1);
    if (!last || page.length < PAGE) break;
    after = last.seq;
  }
  return (await chat.reveal(messages)).find((m) => m.id === target.id) ?? target;
}

export async function editEncrypted(
  api: ApiClient,
  userId: string,
  target: MessageView,
  text: string,
  io: Io,
): Promise<MessageView> {
  const { chat, sender } = await textTarget(api, userId, target, io);
  if (sender !== userId) throw new CliError("forbidden", "only the author can edit a message");
  const sent = await chat.sendContent({ kind: "edit", target: target.seq, body: text }, randomId());
  const [edited = target] = (await chat.reveal([target, sent])).filter((m) => m.id === target.id);
  await backUp(api, userId, [target.conversation_id], (line) => io.err(line));
  return edited;
}

export async function reactEncrypted(
  api: ApiClient,
  userId: string,
  target: MessageView,
  emoji: string,
  action: "added" | "removed",
  io: Io,
): Promise<MessageView> {
  const { chat } = await textTarget(api, userId, target, io);
  await chat.sendContent({ kind: "reaction", target: target.seq, emoji, action }, randomId());
  const shown = await shownNow(chat, api, target);
  await backUp(api, userId, [target.conversation_id], (line) => io.err(line));
  return shown;
}
