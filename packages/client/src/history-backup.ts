/**
 * This installation's part in the key backup (docs/E2EE.md, "History on a new device"):
 * the backup key kept here in a 0600 file once set up or restored, and the plaintexts
 * this device holds, uploaded as sealed chunks. Each chunk is one device's messages of
 * one conversation in a block of BLOCK consecutive seqs (split in parts when they do not
 * fit one chunk), so two devices of one person never write the same chunk, and a message
 * deleted on the server leaves every chunk of the devices that held it the next time
 * they upload. The file records what each chunk held when it left, so only the blocks
 * that changed are sent again.
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { type ApiClient, ApiError, KEY_BACKUP_CHUNK_MAX_BYTES } from "@private-chat/sdk";
import { chunkIdOf, fromBase64Url, sealChunk, toBase64Url } from "@private-chat/sdk/mls";
import { configDir } from "./credentials.js";
import { loadOwnDevice } from "./device-file.js";
import {
  type KeptMessage,
  keptConversations,
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

/** An opened message as a chunk carries it. */
export interface BackedUpMessage {
  text: string;
  device_id: string;
}

/** A chunk's plaintext. */
export interface ChunkContent {
  v: 1;
  conversation_id: string;
  messages: Record<string, BackedUpMessage>;
}

interface LocalBackup {
  /** The backup key, base64url. */
  key: string;
  /** By conversation: each chunk this device uploaded, with a hash of what it held. */
  uploaded: Record<string, Record<string, string>>;
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
  writeLocal(userId, { key: toBase64Url(key), uploaded: {} });
}

export function forgetBackupKey(userId: string): boolean {
  return removeSecretFile(fileName(userId));
}

/** The messages this device holds of a conversation, read under its lock. */
export async function keptMessages(
  userId: string,
  conversationId: string,
): Promise<Record<string, KeptMessage>> {
  return withConversationState(userId, conversationId, async (state) => ({
    state: undefined,
    result: state?.messages ?? {},
  }));
}

/**
 * The chunks of one conversation's opened messages, by id: each block of seqs in as few
 * parts as fit. A message too long for a chunk on its own is left out (counted).
 */
export function chunksOf(
  key: Uint8Array,
  deviceId: string,
  conversationId: string,
  messages: Record<string, KeptMessage>,
): { chunks: Map<string, Uint8Array>; leftOut: number } {
  const blocks = new Map<number, [string, BackedUpMessage][]>();
  for (const [seq, kept] of Object.entries(messages)) {
    if (!("text" in kept)) continue;
    const block = Math.floor(Number(seq) / BLOCK);
    const list = blocks.get(block) ?? [];
    list.push([seq, { text: kept.text, device_id: kept.device_id }]);
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

/**
 * Uploads what changed in the chunks of this device's conversations (`only`: those) and
 * removes the chunks that hold nothing any more. Nothing when this installation holds no
 * backup key. When the server has no backup any more (removed from another device), the
 * key here is forgotten and the error says so.
 */
export async function uploadHistory(
  api: ApiClient,
  userId: string,
  deviceId: string,
  only?: readonly string[],
): Promise<UploadResult> {
  const result: UploadResult = { uploaded: 0, removed: 0, leftOut: 0 };
  // One upload at a time per account: tail and send may both finish a change at once.
  return withLockFile(join(configDir(), `backup-${userId}.lock`), async () => {
    const local = readLocal(userId);
    if (!local) return result;
    const key = fromBase64Url(local.key);
    for (const conversationId of only ?? keptConversations(userId)) {
      const { chunks, leftOut } = chunksOf(
        key,
        deviceId,
        conversationId,
        await keptMessages(userId, conversationId),
      );
      result.leftOut += leftOut;
      // What the server holds of this conversation's chunks, kept as each call succeeds.
      const held = { ...(local.uploaded[conversationId] ?? {}) };
      try {
        for (const [id, plaintext] of chunks) {
          const hash = hashOf(plaintext);
          if (held[id] === hash) continue;
          await api.keyBackup.putChunk(id, sealChunk(key, id, plaintext));
          held[id] = hash;
          result.uploaded++;
        }
        for (const id of Object.keys(held)) {
          if (chunks.has(id)) continue;
          await api.keyBackup.removeChunk(id).catch(ignoreNotFound);
          delete held[id];
          result.removed++;
        }
      } catch (err) {
        if (err instanceof ApiError && err.code === "not_found") {
          forgetBackupKey(userId);
          throw new CliError(
            "not_found",
            "the key backup was removed from the server; this installation forgot its key",
          );
        }
        throw err;
      } finally {
        local.uploaded[conversationId] = held;
        if (readLocal(userId)) writeLocal(userId, local);
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
