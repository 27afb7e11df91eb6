/**
 * What stands for an encrypted conversation's message outside its timeline (the list's
 * preview of the last message, the notice of a new one): its plaintext when this
 * browser's device opened it or can open it, and nothing otherwise, so the sealed wording
 * stays. Light: the MLS code (reading.ts) loads only on a browser that is a device, to
 * open the message in its conversation's turn (opened.ts). The plaintext stays here.
 */
import { type ConversationView, listSection, type MessageView } from "@private-chat/sdk";
import { useEffect } from "preact/hooks";
import { createStore, useStore } from "../state/store.js";
import {
  deviceHere,
  deviceOf,
  inTurn,
  lineOf,
  lookForDevice,
  opened,
  openedAgain,
} from "./opened.js";

/**
 * A message's line: its words, or what it does to another message (`change`: an edit or
 * a reaction, which the list shows but nothing announces, as with plain ones).
 */
export interface Preview {
  line: string;
  change: boolean;
}

/** By message id: the line, or null when it did not open on this browser's device. */
export const previews = createStore<Record<string, Preview | null>>({});

/** Per message id: the opening under way, so the list and a notice open it once. */
const opening = new Map<string, Promise<Preview | null>>();

function openable(message: MessageView | null | undefined): message is MessageView {
  return message?.mls?.kind === "application" && !message.deleted;
}

/** The line known for `message` without opening anything: undefined when none. */
function knownPreview(message: MessageView): Preview | null | undefined {
  const read = opened.get()[message.id];
  // A text the timeline opened; an edit or a reaction it folded is read again below.
  if (read && "text" in read) return { line: lineOf(read.text, read.files), change: false };
  return previews.get()[message.id];
}

/**
 * The line for `message` of `conv`, opened on this browser's device if it is one (read up
 * to it, after what the conversation's turn holds); null when it cannot open here, and for
 * a message in the clear or a change of keys, which have their own wording.
 */
export async function previewMessage(
  userId: string,
  conv: ConversationView,
  message: MessageView,
): Promise<Preview | null> {
  // Not a request's: reading it would join the group before the person accepts.
  if (!conv.encrypted || listSection(conv) !== "main" || !openable(message)) return null;
  const known = knownPreview(message);
  if (known !== undefined) return known;
  let device = deviceOf(deviceHere.get(), userId);
  if (device === undefined) device = await lookForDevice(userId);
  if (!device) return null;
  let open = opening.get(message.id);
  if (!open) {
    // A failure is told where the timeline opens the conversation; the preview stays sealed.
    open = inTurn(conv.id, async () => {
      const { previewOnDevice } = await import("./reading.js");
      return previewOnDevice(userId, conv, message);
    }).catch(() => null);
    opening.set(message.id, open);
  }
  const preview = await open;
  opening.delete(message.id);
  previews.update((all) => ({ ...all, [message.id]: preview }));
  return preview;
}

/**
 * Forgets what showed as unread here (the timeline's and the list's), so it opens again:
 * after the history was filled in (a key backup's restore, history shared from another
 * device).
 */
export function openAgain(): void {
  opened.update((all) =>
    Object.fromEntries(Object.entries(all).filter(([, shown]) => !("unreadable" in shown))),
  );
  previews.update((all) => Object.fromEntries(Object.entries(all).filter(([, p]) => p !== null)));
  openedAgain.update((n) => n + 1);
}

/** The line the list shows for `message`, as known now; undefined keeps the sealed wording. */
export function usePreview(message: MessageView | null | undefined): string | undefined {
  const id = openable(message) ? message.id : undefined;
  const read = useStore(opened, (all) => (id ? all[id] : undefined));
  const seen = useStore(previews, (all) => (id ? all[id] : undefined));
  return read && "text" in read ? lineOf(read.text, read.files) : seen?.line;
}

/**
 * Opens the last message of each encrypted conversation listed whose line is not known,
 * on a browser that is a device (looked for once there is an encrypted conversation).
 */
export function useOpenPreviews(
  userId: string | undefined,
  convs: readonly ConversationView[],
): void {
  const device = deviceOf(
    useStore(deviceHere, (d) => d),
    userId,
  );
  const encrypted = convs.some((c) => c.encrypted);
  useEffect(() => {
    if (userId && encrypted && device === undefined) void lookForDevice(userId);
  }, [userId, encrypted, device]);
  useEffect(() => {
    if (!userId || !device) return;
    for (const conv of convs) {
      const last = conv.last_message;
      if (conv.encrypted && openable(last) && knownPreview(last) === undefined)
        void previewMessage(userId, conv, last);
    }
  }, [userId, device, convs]);
}
