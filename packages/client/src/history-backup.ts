/**
 * This installation's part in the key backup (docs/E2EE.md, "History on a new device"):
 * the backup key kept here in a 0600 file once set up or restored, and the plaintexts
 * this device holds, uploaded as sealed chunks. Each chunk is one device's messages of
 * one conversation in a block of BLOCK consecutive seqs (split in parts when they do not
 * fit one chunk), so two devices of one person never write the same chunk, and a message
 * deleted on the server leaves every chunk of the devices that held it the next time
 * they upload. The file records what each chunk held when it left, so only the blocks
 * that changed are sent again, and how far into each conversation's log it has looked,
 * so that after a send only the blocks of the lines written since are laid out again.
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { type ApiClient, ApiError, KEY_BACKUP_CHUNK_MAX_BYTES } from "@private-chat/sdk";
import { chunkIdOf, fromBase64Url, sealChunk, toBase64Url } from "@private-chat/sdk/mls";
import { configDir } from "./credentials.js";
import { loadOwnDevice } from "./device-file.js";
import {
  type KeptMessage,
  type KeptRead,
  keptConversations,
  type LogRef,
  readKept,
  withConversationState,
  withLockFile,
} from "./encrypted-store.js";
import { CliError } from "./errors.js";
import { readSecretJson, removeSecretFile, writeSecretFile } from "./secret-file.js";

/** Seqs a chunk covers: small enough that a new message re-sends little. */
export const BLOCK = 64;
/** A chunk's plaintext at most: the sealed chunk adds a nonce and a tag. */
const CHUNK_PLAINTEXT_MAX = KEY_BACKUP_CHUNK_MAX_BYTES - 64;
const ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * An opened message as a chunk carries it: its text and sending device, and what it holds
 * (an edit, a reaction...) with its sender, so a restore folds it as it was read.
 */
export type BackedUpMessage = Extract<KeptMessage, { text: string }>;

/** A chunk's plaintext. */
export interface ChunkContent {
  v: 1;
  conversation_id: string;
  messages: Record<string, BackedUpMessage>;
}

/** How far into a conversation's log an upload looked, and for which device's chunks. */
interface LogMark extends LogRef {
  device: string;
}

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

/** The block of seqs a seq is in: one chunk's worth (or its parts). */
export const blockOf = (seq: string | number) => Math.floor(Number(seq) / BLOCK);

/**
 * The chunks of one conversation's opened messages, by id: each block of seqs in as few
 * parts as fit (`only`: of those blocks alone). A message too long for a chunk on its
 * own is left out (counted).
 */
export function chunksOf(
  key: Uint8Array,
  deviceId: string,
  conversationId: string,
  messages: Record<string, KeptMessage>,
  only?: ReadonlySet<number>,
): { chunks: Map<string, Uint8Array>; leftOut: number } {
  const blocks = new Map<number, [string, BackedUpMessage][]>();
  for (const [seq, kept] of Object.entries(messages)) {
    if (!("text" in kept)) continue;
    const block = blockOf(seq);
    if (only && !only.has(block)) continue;
    const list = blocks.get(block) ?? [];
    list.push([seq, kept]);
    blocks.set(block, list);
  }
  const chunks = new Map<string, Uint8Array>();
  let leftOut = 0;
  const encoder = new TextEncoder();
  const encode = (entries: [string, BackedUpMessage][]) =>
    encoder.encode(
      JSON.stringify({
        v: 1,
        conversation_id: conversationId,
        messages: Object.fromEntries(entries),
      } satisfies ChunkContent),
    );
  // A part's size is added up entry by entry (each `"seq":{...}` and its comma), not
  // encoded again for each message: a block of 64 stays linear.
  const overhead = encode([]).length;
  const sizeOf = ([seq, message]: [string, BackedUpMessage]) =>
    encoder.encode(`${JSON.stringify(seq)}:${JSON.stringify(message)}`).length + 1;
  for (const [block, entries] of blocks) {
    entries.sort(([a], [b]) => Number(a) - Number(b));
    let part: [string, BackedUpMessage][] = [];
    let size = overhead - 1;
    let parts = 0;
    const flush = () => {
      if (part.length === 0) return;
      chunks.set(
        chunkIdOf(key, [deviceId, conversationId, String(block), String(parts++)]),
        encode(part),
      );
      part = [];
      size = overhead - 1;
    };
    for (const entry of entries) {
      const bytes = sizeOf(entry);
      if (overhead + bytes - 1 > CHUNK_PLAINTEXT_MAX) {
        leftOut++;
        continue;
      }
      if (size + bytes > CHUNK_PLAINTEXT_MAX) flush();
      part.push(entry);
      size += bytes;
    }
    flush();
  }
  return { chunks, leftOut };
}

const hashOf = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("base64url");

export interface UploadResult {
  uploaded: number;
  removed: number;
  leftOut: number;
}

/** The id of a block's part: parts are numbered from 0 with no gap. */
const partId = (
  key: Uint8Array,
  deviceId: string,
  conversationId: string,
  block: number,
  part: number,
) => chunkIdOf(key, [deviceId, conversationId, String(block), String(part)]);

/** What an upload of one conversation lays out, and the chunks it removes. */
export interface UploadPlan {
  chunks: Map<string, Uint8Array>;
  leftOut: number;
  /** Uploaded chunks that hold nothing any more. */
  stale: string[];
}

/**
 * The chunks to compare with `held` (what the server holds, by hash) and those to
 * remove: every block's when what changed is not known, otherwise those of the blocks
 * of the changed seqs alone, whose parts past the last one made are the stale ones.
 */
export function planOf(
  key: Uint8Array,
  deviceId: string,
  conversationId: string,
  kept: Pick<KeptRead, "messages" | "changed">,
  held: Readonly<Record<string, string>>,
): UploadPlan {
  const blocks = kept.changed && new Set([...kept.changed].map(blockOf));
  const { chunks, leftOut } = chunksOf(key, deviceId, conversationId, kept.messages, blocks);
  if (!blocks) return { chunks, leftOut, stale: Object.keys(held).filter((id) => !chunks.has(id)) };
  const stale: string[] = [];
  for (const block of blocks)
    for (let part = 0; ; part++) {
      const id = partId(key, deviceId, conversationId, block, part);
      if (chunks.has(id)) continue;
      if (!(id in held)) break;
      stale.push(id);
    }
  return { chunks, leftOut, stale };
}

/**
 * Uploads what changed in the chunks of this device's conversations (`only`: those) and
 * removes the chunks that hold nothing any more. Nothing when this installation holds no
 * backup key. When the server has no backup any more (removed from another device), the
 * key here is forgotten and the error says so.
 *
 * A conversation whose log only grew since its last complete upload (a send, a message
 * received) has only the blocks of the new lines laid out, hashed and compared; any other
 * (the first upload under a key, a message forgotten, another device id) has every block.
 * The mark moves only once a conversation's upload succeeded, so what a failed or
 * interrupted upload left out is sent by the next one.
 */
export async function uploadHistory(
  api: ApiClient,
  userId: string,
  deviceId: string,
  only?: readonly string[],
): Promise<UploadResult> {
  const result: UploadResult = { uploaded: 0, removed: 0, leftOut: 0 };
  // One upload at a time per account: tail and send may both finish a change at once.
  return withBackupLock(userId, async () => {
    const local = readLocal(userId);
    if (!local) return result;
    const key = fromBase64Url(local.key);
    const marks: Record<string, LogMark> = local.read ?? {};
    local.read = marks;
    for (const conversationId of only ?? keptConversations(userId)) {
      const mark = marks[conversationId];
      // What the server holds of this conversation's chunks, kept as each call succeeds.
      const held = { ...(local.uploaded[conversationId] ?? {}) };
      const kept = await readKept(
        userId,
        conversationId,
        mark?.device === deviceId ? mark : undefined,
      );
      const { chunks, leftOut, stale } = planOf(key, deviceId, conversationId, kept, held);
      result.leftOut += leftOut;
      let done = false;
      let forgot = false;
      try {
        for (const [id, plaintext] of chunks) {
          const hash = hashOf(plaintext);
          if (held[id] === hash) continue;
          await api.keyBackup.putChunk(id, sealChunk(key, id, plaintext));
          held[id] = hash;
          result.uploaded++;
        }
        for (const id of stale) {
          await api.keyBackup.removeChunk(id).catch(ignoreNotFound);
          delete held[id];
          result.removed++;
        }
        done = true;
      } catch (err) {
        if (err instanceof ApiError && err.code === "not_found") {
          forgetBackupKey(userId);
          forgot = true;
          throw new CliError(
            "not_found",
            "the key backup was removed from the server; this installation forgot its key",
          );
        }
        throw err;
      } finally {
        local.uploaded[conversationId] = held;
        // A failed upload leaves the mark where it was: the next looks again from there.
        if (done && kept.log) marks[conversationId] = { ...kept.log, device: deviceId };
        else if (done) delete marks[conversationId];
        // Unless the key was just forgotten: its file is gone, and stays gone.
        if (!forgot) writeLocal(userId, local);
      }
    }
    return result;
  });
}

function ignoreNotFound(err: unknown): void {
  if (!(err instanceof ApiError && err.code === "not_found")) throw err;
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
