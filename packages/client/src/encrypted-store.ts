/**
 * What this installation keeps of each end-to-end encrypted conversation (docs/E2EE.md,
 * "The terminal client's store"): the group's state, the last `seq` applied to it, and
 * the plaintext of every message opened or sent, since MLS opens each message only once.
 * Per conversation, in the account's `e2ee-<user id>` directory, a 0600 state file and
 * the log of plaintexts it names (encrypted-log.ts), changed only under that
 * conversation's lock, so `tail` and `send` running at once never use one state twice.
 */
import {
  closeSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { ConversationState, ConversationStates, PendingChange } from "@private-chat/sdk/mls";
import { configDir } from "./credentials.js";
import {
  dropOlderLog,
  isLogRef,
  type KeptMessages,
  type LogRef,
  readLog,
  readLogSince,
  writeLog,
} from "./encrypted-log.js";
import { CliError } from "./errors.js";
import { readSecretJson, writeSecretFile } from "./secret-file.js";

export type { KeptMessage, LogRef } from "./encrypted-log.js";

const LOCK_WAIT_MS = 30_000;
const LOCK_POLL_MS = 25;
const ID = /^[A-Za-z0-9_-]{1,64}$/;

function names(userId: string, conversationId: string): { file: string; lock: string } {
  // Both ids name files: anything else is refused rather than joined into a path.
  if (!ID.test(userId) || !ID.test(conversationId))
    throw new CliError("config_error", "an id that cannot name a file");
  const dir = `e2ee-${userId}`;
  return { file: `${dir}/${conversationId}.json`, lock: `${dir}/${conversationId}.lock` };
}

/** The state file: the state without its messages, and the log that holds them. */
type SavedState = Omit<ConversationState, "messages"> & {
  log?: LogRef;
  /** Files written before the log: the messages in the state file itself. */
  messages?: KeptMessages;
};

function isState(value: unknown): value is SavedState {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.group === "string" &&
    Number.isSafeInteger(v.seq) &&
    (isLogRef(v.log) || (typeof v.messages === "object" && v.messages !== null)) &&
    (v.pending === undefined || isPending(v.pending))
  );
}

function isPending(value: unknown): value is PendingChange {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.commit === "string" &&
    typeof v.state === "string" &&
    typeof v.client_id === "string" &&
    (v.welcome === undefined || typeof v.welcome === "string")
  );
}

function readState(path: string): SavedState | undefined {
  const parsed = readSecretJson(path);
  if (parsed === undefined) return undefined;
  if (!isState(parsed))
    throw new CliError("config_error", `${path} is not an encrypted conversation's state`);
  return parsed;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Runs `work` holding the lock file at `path` (see `lock`). */
export async function withLockFile<T>(path: string, work: () => Promise<T>): Promise<T> {
  const release = await lock(path);
  try {
    return await work();
  } finally {
    release();
  }
}

/** Takes the lock file, waiting for another process's turn; one left by a dead process is taken over. */
async function lock(path: string): Promise<() => void> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      const fd = openSync(path, "wx", 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    let holder = Number.NaN;
    try {
      holder = Number(readFileSync(path, "utf8"));
    } catch {
      // Let go of between the two calls: try again at once.
      continue;
    }
    // A holder that has not written its pid yet shows as NaN: wait for it like any other.
    if (Number.isSafeInteger(holder) && holder > 0 && !alive(holder)) {
      rmSync(path, { force: true });
      continue;
    }
    if (Date.now() > deadline)
      throw new CliError(
        "busy",
        `another chat-client (process ${holder}) has held ${path} for ${LOCK_WAIT_MS / 1000}s`,
      );
    await sleep(LOCK_POLL_MS);
  }
}

function withoutLog(saved: SavedState): Omit<ConversationState, "messages"> {
  const { log: _log, messages: _messages, ...rest } = saved;
  return rest;
}

/** Where a conversation's state lives: its name in the configuration, path and directory. */
interface StatePlace {
  file: string;
  path: string;
  dir: string;
}

/** Runs `work` holding the conversation's lock, its directory made first. */
function underLock<T>(
  userId: string,
  conversationId: string,
  work: (place: StatePlace) => Promise<T>,
): Promise<T> {
  const { file, lock: lockName } = names(userId, conversationId);
  const path = join(configDir(), file);
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return withLockFile(join(configDir(), lockName), () => work({ file, path, dir }));
}

/**
 * Runs `work` with the conversation's state as saved (undefined before the device joined)
 * and saves the state it returns (none: nothing to keep yet), all under the conversation's lock. `save` writes a state
 * midway: a send saves the advanced ratchet before the message leaves, so a crash after
 * sending can never make the device encrypt under that key again.
 */
export async function withConversationState<T>(
  userId: string,
  conversationId: string,
  work: (
    state: ConversationState | undefined,
    save: (state: ConversationState) => void,
  ) => Promise<{ state: ConversationState | undefined; result: T }>,
): Promise<T> {
  return underLock(userId, conversationId, async ({ file, path, dir }) => {
    const saved = readState(path);
    let log = saved?.log;
    // What the log holds, to append only what changes; none before the first log.
    let logged: KeptMessages = saved && log ? readLog(dir, conversationId, log) : {};
    const save = (state: ConversationState) => {
      const { messages, ...rest } = state;
      const next = writeLog(dir, conversationId, log, logged, messages);
      // Named by the state only once its lines are on disk.
      writeSecretFile(file, `${JSON.stringify({ ...rest, log: next })}\n`);
      if (next.gen !== log?.gen) dropOlderLog(dir, conversationId, next);
      log = next;
      logged = { ...messages };
    };
    const state = saved && { ...withoutLog(saved), messages: { ...(saved.messages ?? logged) } };
    const { state: kept, result } = await work(state, save);
    if (kept) save(kept);
    return result;
  });
}

/** A conversation's messages as the key backup reads them (history-backup.ts). */
export interface KeptRead {
  messages: KeptMessages;
  /** The log they were read from; none for a state written before logs. */
  log?: LogRef;
  /** The seqs added or changed since the `since` given: undefined when that cannot be told. */
  changed?: Set<string>;
}

/**
 * The messages this device holds of a conversation, read under its lock, with the seqs
 * written after `since` (a log reference read before) when it is of the same generation:
 * a forgotten message writes a new one, and then anything may have changed.
 */
export async function readKept(
  userId: string,
  conversationId: string,
  since: LogRef | undefined,
): Promise<KeptRead> {
  return underLock(userId, conversationId, async ({ path, dir }) => {
    const saved = readState(path);
    if (!saved) return { messages: {} };
    // A state written before logs holds its messages itself (as withConversationState reads).
    if (saved.messages || !saved.log) return { messages: saved.messages ?? {} };
    const after = since?.gen === saved.log.gen ? since.bytes : undefined;
    const { messages, changed } = readLogSince(dir, conversationId, saved.log, after);
    return { messages, log: saved.log, ...(changed ? { changed } : {}) };
  });
}

/** The ids of the encrypted conversations this device keeps a state of. */
export function keptConversations(userId: string): string[] {
  if (!ID.test(userId)) return [];
  try {
    return readdirSync(join(configDir(), `e2ee-${userId}`))
      .map((name) => /^([A-Za-z0-9_-]{1,64})\.json$/.exec(name)?.[1])
      .filter((id): id is string => id !== undefined);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
}

/** The conversations' states in this installation's files, as the SDK's chats keep them. */
export function fileStates(userId: string): ConversationStates {
  return {
    withState: (conversationId, work) => withConversationState(userId, conversationId, work),
  };
}
