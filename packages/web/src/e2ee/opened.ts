/**
 * What this browser, as a device, has opened of the encrypted conversations on screen
 * (docs/E2EE.md): each application message's plaintext by message id, or why it did not
 * open, for the timeline to show instead of "this client cannot open it". Light: the MLS
 * code (reading.ts) loads only once there is an encrypted conversation to open on a
 * browser that is a device.
 */
import type { EncryptedFile } from "@private-chat/protocol/encrypted-content";
import type { ConversationView, DeviceView, MessageView, ReactionView } from "@private-chat/sdk";
import { errorText } from "../api.js";
import { chat } from "../state/chat.js";
import { toast } from "../state/notices.js";
import { upsertMessage } from "../state/reduce.js";
import { createStore } from "../state/store.js";
import { deviceSupported, forgetDevice, savedDevice } from "./browser-db.js";

/**
 * A message as this device reads it, folded with the rest of the timeline (the SDK's
 * foldMessages): a text (its words, empty when it has files alone) with its files, its
 * latest edit and its reactions, the message it answers (`reply_to`, by id) and the root
 * of the thread it joins (`thread_root`, by id); or why it did not open; or `folded`, an
 * edit or a reaction, shown in the message it changes.
 */
export type Opened =
  | {
      text: string;
      /** Each with the key that opens it (components/SealedFiles.tsx), held in memory only. */
      files?: EncryptedFile[];
      edited_at?: number;
      reactions?: ReactionView[];
      reply_to?: string;
      thread_root?: string;
    }
  | { unreadable: string }
  | { folded: true };

/**
 * A text's line where one line stands for it (the list's preview, a notice, a quote): its
 * words, or, with files alone, the first file's name, as the list shows a plain one's.
 */
export function lineOf(text: string, files: readonly EncryptedFile[] | undefined): string {
  const [first] = files ?? [];
  if (text !== "" || !first) return text;
  return files && files.length > 1 ? `📎 ${first.name} (+${files.length - 1})` : `📎 ${first.name}`;
}

export const opened = createStore<Record<string, Opened>>({});

/**
 * Counts the times what showed as unread here was forgotten (preview.ts's openAgain, once
 * the history was filled in): the timeline on screen opens its messages again then.
 */
export const openedAgain = createStore(0);

/**
 * Whether this browser is a device, and which, of the account last looked for (another
 * account signed in since is looked for again); undefined before any look.
 */
export const deviceHere = createStore<{ userId: string; deviceId: string | null } | undefined>(
  undefined,
);

/** This browser's device id for `userId`: null when none, undefined when not looked yet. */
export function deviceOf(
  here: { userId: string; deviceId: string | null } | undefined,
  userId: string | undefined,
): string | null | undefined {
  return here && here.userId === userId ? here.deviceId : undefined;
}

/**
 * Looks again whether this browser is a device of `userId` (after Settings changed it,
 * or another tab): its device id, null when it keeps none. Given the server's list of the
 * account's devices, keys kept for one it no longer lists (removed from elsewhere) are
 * forgotten here.
 */
export async function lookForDevice(
  userId: string,
  listed?: readonly DeviceView[],
): Promise<string | null> {
  const saved = deviceSupported() ? await savedDevice(userId).catch(() => undefined) : undefined;
  let deviceId = saved?.device_id ?? null;
  if (deviceId !== null && listed && !listed.some((d) => d.id === deviceId)) {
    await forgetDevice(userId);
    deviceId = null;
  }
  deviceHere.set({ userId, deviceId });
  return deviceId;
}

export function keepOpened(entries: [string, Opened][]): void {
  if (entries.length === 0) return;
  opened.update((all) => ({ ...all, ...Object.fromEntries(entries) }));
}

/** Per conversation: the work under way on its state, which the next waits for. */
const running = new Map<string, Promise<void>>();
/** Per conversation: the last failure told, so a timeline that keeps changing tells it once. */
const told = new Map<string, string>();

/**
 * Opens the encrypted conversation's messages on this browser's device, if it is one:
 * one opening at a time per conversation, and none when every message shown is open.
 */
export function openMessages(
  userId: string,
  conv: ConversationView,
  messages: MessageView[],
): Promise<void> {
  if (!conv.encrypted || !deviceOf(deviceHere.get(), userId)) return Promise.resolve();
  return inTurn(conv.id, () => openNow(userId, conv, messages));
}

/**
 * Runs `work` on the conversation's state after the work on it already under way: the
 * timeline's openings and the list's (preview.ts) take turns rather than wait on each
 * other's Web Lock, and each finds what the one before it opened.
 */
export function inTurn<T>(conversationId: string, work: () => Promise<T>): Promise<T> {
  const step = (running.get(conversationId) ?? Promise.resolve()).then(work);
  const done = step.then(
    () => undefined,
    () => undefined,
  );
  running.set(conversationId, done);
  void done.then(() => {
    if (running.get(conversationId) === done) running.delete(conversationId);
  });
  return step;
}

async function openNow(
  userId: string,
  conv: ConversationView,
  messages: MessageView[],
): Promise<void> {
  const shown = opened.get();
  const closed = messages.some(
    (m) => m.mls?.kind === "application" && !m.deleted && !(m.id in shown),
  );
  if (!closed) return;
  try {
    const { readOnDevice } = await import("./reading.js");
    keepOpened(await readOnDevice(userId, conv, messages));
    told.delete(conv.id);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    if (told.get(conv.id) === why) return;
    told.set(conv.id, why);
    toast(`Encrypted messages did not open here: ${why}`);
  }
}

/**
 * Sets up the group of a conversation just created as end-to-end encrypted, on this
 * browser's device. A failure is told, not thrown: the first message sent sets it up.
 */
export async function setUpOnThisBrowser(userId: string, conv: ConversationView): Promise<void> {
  try {
    const { setUpOnDevice } = await import("./reading.js");
    if (!(await setUpOnDevice(userId, conv)))
      toast(
        "Nobody else here has a device for encrypted chats yet: the first message sent once one of them has one sets the conversation up.",
      );
  } catch (err) {
    toast(
      `The encrypted conversation was not set up here (${err instanceof Error ? err.message : err}): the first message sent sets it up.`,
    );
  }
}

/**
 * Encrypts an edit of `target` (a text of this person's that this device opened) or a
 * reaction to it, and sends it. The sent message joins the timeline at once, so the
 * timeline folds it in (openMessages) whether or not the server's event comes. False
 * (and told) when it was not sent.
 */
export async function changeOnThisBrowser(
  userId: string,
  conv: ConversationView,
  target: MessageView,
  change: { body: string } | { emoji: string; action: "added" | "removed" },
): Promise<boolean> {
  try {
    const { sendOnDevice } = await import("./reading.js");
    const content =
      "body" in change
        ? { kind: "edit" as const, target: target.seq, body: change.body }
        : { kind: "reaction" as const, target: target.seq, ...change };
    const sent = await sendOnDevice(userId, conv, content);
    chat.update((s) => upsertMessage(s, sent));
    return true;
  } catch (err) {
    toast(`Not sent: ${errorText(err)}`);
    return false;
  }
}

/**
 * What a text answers: the message it replies to, and the root of the thread it joins
 * (sent from the thread's panel), either or both.
 */
export interface Answer {
  replyTo?: MessageView | null | undefined;
  threadRoot?: MessageView | undefined;
}

/**
 * Encrypts `text` (answering a message, if so) on this browser's device and sends it,
 * with the files sealed and uploaded for it (state/uploads.ts), if any: the words may be
 * empty then. The sent message joins the timeline at once, already open.
 */
export async function sendEncryptedText(
  userId: string,
  conv: ConversationView,
  text: string,
  answer: Answer = {},
  files?: EncryptedFile[],
): Promise<MessageView> {
  const { sendOnDevice } = await import("./reading.js");
  const { replyTo, threadRoot } = answer;
  const attached = files && files.length > 0 ? { files } : {};
  const message = await sendOnDevice(userId, conv, {
    kind: "text",
    body: text,
    ...(replyTo ? { reply_to: replyTo.seq } : {}),
    ...(threadRoot ? { thread_root: threadRoot.seq } : {}),
    ...attached,
  });
  // Kept as the timeline folds it: it is not read again, being open already.
  keepOpened([
    [
      message.id,
      {
        text,
        ...attached,
        ...(replyTo ? { reply_to: replyTo.id } : {}),
        ...(threadRoot ? { thread_root: threadRoot.id } : {}),
      },
    ],
  ]);
  chat.update((s) => upsertMessage(s, message));
  return message;
}
