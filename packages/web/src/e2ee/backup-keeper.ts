/**
 * Keeps the key backup up to date as this browser's device opens and sends messages
 * (docs/E2EE.md, "History on a new device"): a conversation's state saved
 * (browser-db.ts) asks for an upload a moment after the last change rather than one per
 * message, one at a time in this tab, and across tabs under the backup's Web Lock
 * (key-backup.ts, loaded only then). Nothing leaves when this browser holds no backup
 * key. A failure is told once, until an upload succeeds again; the next change tries
 * again, and what was left out then goes with it.
 */
import { toast } from "../state/notices.js";

/** How long after the last change the upload starts. */
const DELAY_MS = 2_000;

/** By account: the conversations changed since the last upload began. */
const waiting = new Map<string, Set<string>>();
let timer: ReturnType<typeof setTimeout> | undefined;
/** The upload under way in this tab, which the next waits for. */
let running: Promise<void> = Promise.resolve();
/** The failure told last, so a backup that keeps failing is said once. */
let told: string | undefined;

/** A conversation's messages on this browser's device changed. */
export function backupChanged(userId: string, conversationId: string): void {
  const conversations = waiting.get(userId) ?? new Set();
  conversations.add(conversationId);
  waiting.set(userId, conversations);
  clearTimeout(timer);
  timer = setTimeout(() => void flushBackup(), DELAY_MS);
}

/** Uploads what waits now; resolves once every upload begun has ended. */
export function flushBackup(): Promise<void> {
  clearTimeout(timer);
  const rounds = [...waiting];
  waiting.clear();
  for (const [userId, conversations] of rounds)
    running = running.then(() => upload(userId, [...conversations]));
  return running;
}

async function upload(userId: string, conversations: string[]): Promise<void> {
  try {
    const { uploadFromThisBrowser } = await import("./key-backup.js");
    await uploadFromThisBrowser(userId, conversations);
    told = undefined;
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    if (told === why) return;
    told = why;
    toast(`The key backup was not brought up to date: ${why}`);
  }
}
