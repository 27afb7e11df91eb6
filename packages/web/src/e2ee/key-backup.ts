/**
 * The key backup on this browser's device (docs/E2EE.md, "History on a new device"), as
 * `chat-client backup` has it and with the SDK's code (key-backup.ts, history-upload.ts,
 * history-restore.ts): set up under a recovery passphrase, restored on a browser that
 * just became a device, its passphrase changed, removed; and the upload that keeps it up
 * to date (backup-keeper.ts). The key and what was uploaded under it are kept in
 * IndexedDB (browser-db.ts). Loaded on demand: it brings the SDK's MLS layer with it.
 */
import { ApiError, type KeyBackupView, PASSPHRASE_MIN_CHARS } from "@private-chat/sdk";
import {
  BackupKeyRefused,
  fromBase64Url,
  type HistoryBackupStore,
  newBackupKey,
  passphraseChars,
  type RestoreResult,
  restoreBackup,
  toBase64Url,
  type UploadResult,
  unwrapBackupKey,
  uploadBackup,
  wrapBackupKey,
} from "@private-chat/sdk/mls";
import { api } from "../api.js";
import { session } from "../state/live.js";
import {
  backupKeyHere,
  backupLock,
  backupProgress,
  browserStates,
  keepBackupKey,
  keepBackupProgress,
  keptConversations,
  NoDeviceHere,
  savedDevice,
} from "./browser-db.js";
import { openAgain } from "./preview.js";
import { chatOf } from "./reading.js";

/** The field a refusal is about, so the form shows it there. */
export type BackupField = "passphrase" | "again" | "current";

/** A step of the backup refused, about one field of its form or (none) the whole. */
export class BackupRefusal extends Error {
  constructor(
    message: string,
    readonly field?: BackupField,
  ) {
    super(message);
    this.name = "BackupRefusal";
  }
}

/**
 * What is wrong with a new passphrase typed twice, counted as the SDK hashes it (NFKC);
 * undefined when nothing.
 */
export function newPassphraseProblem(passphrase: string, again: string): BackupRefusal | undefined {
  if (passphraseChars(passphrase) < PASSPHRASE_MIN_CHARS)
    return new BackupRefusal(
      `A recovery passphrase has at least ${PASSPHRASE_MIN_CHARS} characters.`,
      "passphrase",
    );
  if (again !== passphrase) return new BackupRefusal("The two passphrases differ.", "again");
  return undefined;
}

/** The account's backup in this browser's IndexedDB, for the SDK's upload. */
function browserBackup(userId: string): HistoryBackupStore {
  const states = browserStates(userId);
  return {
    // The lock's promise resolves to what `work` resolves to (its typing nests the promise).
    withLock: <T>(work: () => Promise<T>) =>
      navigator.locks.request(backupLock(userId), work) as Promise<Awaited<T>> as Promise<T>,
    async key() {
      const key = await backupKeyHere(userId);
      return key === undefined ? undefined : fromBase64Url(key);
    },
    conversations: () => keptConversations(userId),
    progress: (conversationId) => backupProgress(userId, conversationId),
    keepProgress: (conversationId, progress) =>
      keepBackupProgress(userId, conversationId, progress),
    // Read under the conversation's lock; a browser's state tells nothing of what changed.
    kept: (conversationId) =>
      states.withState(conversationId, async (saved) => ({
        state: undefined,
        result: { messages: saved?.messages ?? {} },
      })),
    forget: () => keepBackupKey(userId, undefined),
  };
}

async function deviceId(userId: string): Promise<string> {
  const saved = await savedDevice(userId);
  if (!saved) throw new NoDeviceHere("this browser is not one of your devices");
  return saved.device_id;
}

/**
 * Uploads what changed of this device's messages (`only`: those conversations) when this
 * browser holds the backup's key; nothing otherwise, or once the account signed out here.
 */
export async function uploadFromThisBrowser(
  userId: string,
  only?: readonly string[],
): Promise<UploadResult | undefined> {
  if (session.get().user?.id !== userId) return undefined;
  const saved = await savedDevice(userId);
  if (!saved) return undefined;
  try {
    return await uploadBackup(api, browserBackup(userId), saved.device_id, only);
  } catch (err) {
    // Signed out meanwhile: the key is forgotten with the session, nothing to tell.
    if (session.get().user?.id !== userId) return undefined;
    throw err;
  }
}

/** Keeps `key` here under the backup's lock, unless it is the one kept already. */
async function keepKey(userId: string, key: Uint8Array): Promise<void> {
  const text = toBase64Url(key);
  await navigator.locks.request(backupLock(userId), async () => {
    if ((await backupKeyHere(userId)) !== text) await keepBackupKey(userId, text);
  });
}

/** The backup on the server, or a refusal saying there is none. */
async function existing(): Promise<KeyBackupView> {
  const found = await api.keyBackup.get();
  if (!found) throw new BackupRefusal("You have no key backup: set one up.");
  return found;
}

/** The backup's key, or a refusal about the passphrase `field` when it does not open it. */
async function openedKey(
  found: KeyBackupView,
  passphrase: string,
  field: BackupField,
): Promise<Uint8Array> {
  try {
    return await unwrapBackupKey(found, passphrase);
  } catch (err) {
    if (err instanceof BackupKeyRefused)
      throw new BackupRefusal("This passphrase does not open your key backup.", field);
    throw err;
  }
}

/**
 * Sets up the key backup: a new key made here, stored on the server wrapped under the
 * passphrase only if the person has none yet, kept here, and what this device holds
 * uploaded under it.
 */
export async function setUpBackup(
  userId: string,
  passphrase: string,
  again: string,
): Promise<UploadResult> {
  const problem = newPassphraseProblem(passphrase, again);
  if (problem) throw problem;
  const device = await deviceId(userId);
  const key = newBackupKey();
  try {
    // Create-only: another device setting up at the same moment keeps its key.
    await api.keyBackup.create(await wrapBackupKey(key, passphrase));
  } catch (err) {
    if (err instanceof ApiError && err.code === "precondition_failed")
      throw new BackupRefusal(
        "You have a key backup already, set up from another device: restore it here instead.",
      );
    throw err;
  }
  await keepKey(userId, key);
  return uploadBackup(api, browserBackup(userId), device);
}

/**
 * Restores the key backup on this browser's device: the key opened with the passphrase
 * and kept here, the messages sent before the device joined filled in (in the
 * conversations a member's device has added it to), opened again where they show, and
 * the backup brought up to date from here.
 */
export async function restoreHere(userId: string, passphrase: string): Promise<RestoreResult> {
  const found = await existing();
  const key = await openedKey(found, passphrase, "passphrase");
  const device = await deviceId(userId);
  await keepKey(userId, key);
  const restored = await restoreBackup(api, key, {
    chatOf: (conversation) => chatOf(userId, conversation),
    states: browserStates(userId),
  });
  if (restored.messages > 0) openAgain();
  await uploadBackup(api, browserBackup(userId), device);
  return restored;
}

/**
 * Wraps the backup's key under a new passphrase, replacing the wrapping on the server
 * only if it is still the one read; the chunks stay, and the old passphrase opens
 * nothing any more.
 */
export async function changePassphrase(
  current: string,
  passphrase: string,
  again: string,
): Promise<void> {
  // The new passphrase first: argon2id makes opening the backup take a while.
  const problem = newPassphraseProblem(passphrase, again);
  if (problem) throw problem;
  const found = await existing();
  const key = await openedKey(found, current, "current");
  try {
    await api.keyBackup.replace(found.version, await wrapBackupKey(key, passphrase));
  } catch (err) {
    if (err instanceof ApiError && err.code === "precondition_failed")
      throw new BackupRefusal(
        "Another device changed or removed the key backup meanwhile; nothing was changed.",
      );
    throw err;
  }
}

/** Removes the backup from the server (its key and every chunk) and forgets its key here. */
export async function removeBackup(userId: string): Promise<void> {
  // Removed meanwhile from another device: gone all the same.
  await api.keyBackup.remove().catch((err: unknown) => {
    if (!(err instanceof ApiError && err.code === "not_found")) throw err;
  });
  await navigator.locks.request(backupLock(userId), () => keepBackupKey(userId, undefined));
}
