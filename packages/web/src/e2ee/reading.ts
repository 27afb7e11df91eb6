/**
 * The SDK's EncryptedChat on this browser's device, over the states it keeps in IndexedDB
 * (browser-db.ts): reading an encrypted conversation's messages and sending into it.
 */
import { type ConversationView, type MessageView, randomId } from "@private-chat/sdk";
import {
  contentOf,
  EncryptedChat,
  type EncryptedContent,
  foldMessages,
  loadDevice,
  type OpenedContent,
  type RegisteredDevice,
  type ShownContent,
  UNKNOWN_CONTENT_TEXT,
} from "@private-chat/sdk/mls";
import { api } from "../api.js";
import { browserStates, NoDeviceHere, savedDevice } from "./browser-db.js";
import { lineOf, type Opened } from "./opened.js";
import type { Preview } from "./preview.js";

/**
 * This browser's device for `userId`, refused when it is none. Read afresh each time: a
 * pool made up since adds private keys that a welcome may need.
 */
export async function ownDevice(userId: string): Promise<RegisteredDevice> {
  const saved = await savedDevice(userId);
  if (!saved) throw new NoDeviceHere("this browser is not one of your devices");
  return loadDevice(saved);
}

export async function chatOf(userId: string, conv: ConversationView): Promise<EncryptedChat> {
  return new EncryptedChat(api, await ownDevice(userId), conv, browserStates(userId));
}

/**
 * What this device reads of `messages`, by message id: the application messages folded
 * (foldMessages), so an edit or a reaction is `folded` into the message it changes.
 */
export async function readOnDevice(
  userId: string,
  conv: ConversationView,
  messages: MessageView[],
): Promise<[string, Opened][]> {
  const read = await (await chatOf(userId, conv)).read(messages);
  const shown = new Map(foldMessages(read).map((s) => [s.message.id, s.shown]));
  const ids = new Map(messages.map((m) => [m.seq, m.id]));
  const entries: [string, Opened][] = [];
  for (const { message } of read) {
    if (message.deleted) continue;
    const content = shown.get(message.id);
    entries.push([message.id, content ? await openedOf(conv.id, content, ids) : { folded: true }]);
  }
  return entries;
}

async function openedOf(
  conversationId: string,
  shown: ShownContent,
  ids: Map<number, string>,
): Promise<Opened> {
  switch (shown.kind) {
    case "unread":
      return { unreadable: shown.reason ?? "sent before this browser joined" };
    case "text": {
      const replyTo = await idOf(conversationId, shown.reply_to, ids);
      const threadRoot = await idOf(conversationId, shown.thread_root, ids);
      // Each file with its key: opened when shown or saved (components/SealedFiles.tsx).
      return {
        text: shown.body,
        ...(shown.files ? { files: shown.files } : {}),
        ...(shown.edited_at !== undefined ? { edited_at: shown.edited_at } : {}),
        ...(shown.reactions.length > 0 ? { reactions: shown.reactions } : {}),
        ...(replyTo ? { reply_to: replyTo } : {}),
        ...(threadRoot ? { thread_root: threadRoot } : {}),
      };
    }
    default:
      // Deleted messages are left out before; a kind this version does not know says so.
      return { text: UNKNOWN_CONTENT_TEXT };
  }
}

/**
 * The id of the message at `seq`, which a reply names by seq inside the ciphertext: from
 * the messages read, or else asked of the server (one that answers an older message).
 */
async function idOf(
  conversationId: string,
  seq: number | undefined,
  ids: Map<number, string>,
): Promise<string | undefined> {
  if (seq === undefined) return undefined;
  const known = ids.get(seq);
  if (known) return known;
  const [message] = await api.history(conversationId, { after: seq - 1, limit: 1 });
  if (message?.seq === seq) ids.set(seq, message.id);
  return ids.get(seq);
}

/**
 * What stands for `message` outside the timeline (preview.ts), read on this device up to
 * it alone (once read, from what the device keeps); null when it did not open here.
 */
export async function previewOnDevice(
  userId: string,
  conv: ConversationView,
  message: MessageView,
): Promise<Preview | null> {
  const [read] = await (await chatOf(userId, conv)).read([message]);
  const content = contentOf(read?.kept);
  return content ? previewOf(content) : null;
}

function previewOf(content: OpenedContent): Preview {
  switch (content.kind) {
    case "text":
      return { line: lineOf(content.body, content.files), change: false };
    case "edit":
      return { line: `Edited a message: ${content.body}`, change: true };
    case "reaction":
      return {
        line: `${content.action === "added" ? "Reacted" : "Took back"} ${content.emoji}`,
        change: true,
      };
    default:
      return { line: UNKNOWN_CONTENT_TEXT, change: false };
  }
}

export async function sendOnDevice(
  userId: string,
  conv: ConversationView,
  content: EncryptedContent,
): Promise<MessageView> {
  return (await chatOf(userId, conv)).sendContent(content, randomId());
}

/** Sets the group up on this device; false when nobody else has a device yet. */
export async function setUpOnDevice(userId: string, conv: ConversationView): Promise<boolean> {
  return (await chatOf(userId, conv)).setUp();
}
