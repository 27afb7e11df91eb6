/**
 * This installation's part in the key backup (docs/E2EE.md, "History on a new device"):
 * the backup key kept here in a 0600 file once set up or restored, and the plaintexts
 * this device holds, uploaded as sealed chunks. The chunks' layout and the upload are the
 * SDK's (history-chunks.ts, history-upload.ts), as in the web app; here is where they
 * are kept. The file records what each chunk held when it left, so only the blocks that
 * changed are sent again, and how far into each conversation's log it has looked, so
 * that after a send only the blocks of the lines written since are laid out again.
 */
import { join } from "node:path";
import { type ApiClient, ApiError } from "@private-chat/sdk";
import {
  BackupGone,
  type BackupMark,
  fromBase64Url,
  type HistoryBackupStore,
  toBase64Url,
  type UploadResult,
  uploadBackup,
} from "@private-chat/sdk/mls";
import { configDir } from "./credentials.js";
import { loadOwnDevice } from "./device-file.js";
import {
  keptConversations,
  type LogRef,
  readKept,
  withConversationState,
  withLockFile,
} from "./encrypted-store.js";
import { CliError } from "./errors.js";
import { readSecretJson, removeSecretFile, writeSecretFile } from "./secret-file.js";

export type { UploadResult };

/** How far into a conversation's log an upload looked, and for which device's chunks. */
type LogMark = BackupMark<LogRef>;

interface LocalBackup {
  /** The backup key, base64url. */
  key: string;
  /** By conversation: each chunk this device uploaded, with a hash of what it held. */
  uploaded: Record<string, Record<string, string>>;
  /**
   * By conversation: the log as it was when every block of it was last up to date here.
   * Absent (a new key, a file from before): the next upload looks at every block.
   */
  read?: Record<string, LogMark>;
}

const ID = /^[A-Za-z0-9_-]{1,64}$/;

function fileName(userId: string): string {
  if (!ID.test(userId))
    throw new CliError("config_error", "the saved session's user id cannot name a file");
  return `backup-${userId}.json`;
}

function readLocal(userId: string): LocalBackup | undefined {
  const path = join(configDir(), fileName(userId));
  const saved = readSecretJson(path);
  if (saved === undefined) return undefined;
  const v = saved as Partial<LocalBackup> | null;
  if (typeof v?.key !== "string" || typeof v.uploaded !== "object" || v.uploaded === null)
    throw new CliError("config_error", `${path} is not a key backup's file`);
  return v as LocalBackup;
}

function writeLocal(userId: string, backup: LocalBackup): void {
  writeSecretFile(fileName(userId), `${JSON.stringify(backup)}\n`);
}

/** The backup key this installation holds, if it set the backup up or restored it. */
export function backupKeyHere(userId: string): Uint8Array | undefined {
  const local = readLocal(userId);
  return local && fromBase64Url(local.key);
}

/** Keeps the key here, forgetting what an earlier key's chunks held. */
export function keepBackupKey(userId: string, key: Uint8Array): void {
  writeLocal(userId, { key: toBase64Url(key), uploaded: {}, read: {} });
}

export function forgetBackupKey(userId: string): boolean {
  return removeSecretFile(fileName(userId));
}

/**
 * Runs `work` in turn with uploads of this account (tail and send in other processes):
 * a command that keeps or forgets the key here does it under this, so that an upload
 * under way never writes back the file of a key replaced or forgotten meanwhile.
 */
export function withBackupLock<T>(userId: string, work: () => Promise<T>): Promise<T> {
  fileName(userId);
  return withLockFile(join(configDir(), `backup-${userId}.lock`), work);
}

/**
 * The backup as this installation keeps it, for the SDK's upload: the file above, read
 * once under the lock and written again after each conversation's upload, and the
 * conversations' logs, which tell what was written since the last upload.
 */
function fileStore(userId: string): HistoryBackupStore<LogRef> {
  let local: LocalBackup | undefined;
  const loaded = (): LocalBackup => {
    if (!local) throw new Error("the key backup's file is read first");
    return local;
  };
  return {
    withLock: (work) => withBackupLock(userId, work),
    async key() {
      local = readLocal(userId);
      return local && fromBase64Url(local.key);
    },
    async conversations() {
      return keptConversations(userId);
    },
    async progress(conversationId) {
      const { uploaded, read } = loaded();
      const mark = read?.[conversationId];
      return { uploaded: uploaded[conversationId] ?? {}, ...(mark ? { read: mark } : {}) };
    },
    async keepProgress(conversationId, progress) {
      const file = loaded();
      file.uploaded[conversationId] = progress.uploaded;
      file.read ??= {};
      if (progress.read) file.read[conversationId] = progress.read;
      else delete file.read[conversationId];
      writeLocal(userId, file);
    },
    async kept(conversationId, since) {
      const { messages, log, changed } = await readKept(userId, conversationId, since);
      return { messages, ...(log ? { mark: log } : {}), ...(changed ? { changed } : {}) };
    },
    async forget() {
      forgetBackupKey(userId);
    },
  };
}

/**
 * Uploads what changed in the chunks of this device's conversations (`only`: those) and
 * removes the chunks that hold nothing any more (the SDK's uploadBackup). Nothing when
 * this installation holds no backup key. When the server has no backup any more (removed
 * from another device), the key here is forgotten and the error says so.
 */
export async function uploadHistory(
  api: ApiClient,
  userId: string,
  deviceId: string,
  only?: readonly string[],
): Promise<UploadResult> {
  fileName(userId);
  try {
    return await uploadBackup(api, fileStore(userId), deviceId, only);
  } catch (err) {
    if (err instanceof BackupGone)
      throw new CliError(
        "not_found",
        "the key backup was removed from the server; this installation forgot its key",
      );
    throw err;
  }
}

/**
 * Keeps the backup up to date in a long-running command (tail, interactive mode): an
 * upload a moment after the last change rather than one per message, one at a time, and
 * a failure said once instead of stopping the conversation.
 */
export class BackupKeeper {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<void> = Promise.resolve();
  private readonly waiting = new Set<string>();
  private failed = false;

  constructor(
    private readonly api: ApiClient,
    private readonly userId: string,
    private readonly say: (line: string) => void,
    private readonly delayMs = 2_000,
  ) {}

  /** A conversation's messages on this device changed. */
  changed(conversationId: string): void {
    if (this.failed) return;
    this.waiting.add(conversationId);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.flush(), this.delayMs);
  }

  /** Uploads what waits now; resolves once every upload begun has ended. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    const conversations = [...this.waiting];
    this.waiting.clear();
    if (conversations.length > 0)
      this.running = this.running.then(() =>
        backUp(this.api, this.userId, conversations, this.say).then((ok) => {
          if (!ok) this.failed = true;
        }),
      );
    return this.running;
  }
}

/**
 * After a command changed what this device holds: the backup brought up to date, a
 * failure said (the messages are kept here; the next upload sends them). False then.
 */
export async function backUp(
  api: ApiClient,
  userId: string,
  conversations: readonly string[],
  say: (line: string) => void,
): Promise<boolean> {
  try {
    const device = loadOwnDevice(userId);
    if (!device || backupKeyHere(userId) === undefined) return true;
    await uploadHistory(api, userId, device.keys.deviceId, conversations);
    return true;
  } catch (err) {
    if (!(err instanceof CliError || err instanceof ApiError)) throw err;
    say(`the key backup was not brought up to date: ${err.message}`);
    return false;
  }
}

/**
 * A message deleted from this device: its plaintext leaves the conversation's log here
 * (written again without it, encrypted-log.ts) and the backup's chunk that held it.
 */
export async function forgetHere(
  api: ApiClient,
  userId: string,
  message: { conversation_id: string; seq: number },
  say: (line: string) => void,
): Promise<void> {
  if (!keptConversations(userId).includes(message.conversation_id)) return;
  const forgot = await withConversationState(userId, message.conversation_id, async (state) => {
    if (!state || !(message.seq in state.messages)) return { state: undefined, result: false };
    delete state.messages[message.seq];
    return { state, result: true };
  });
  if (forgot) await backUp(api, userId, [message.conversation_id], say);
}
