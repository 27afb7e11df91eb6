/**
 * Keeps the local copy (local-copy.ts) in IndexedDB, one record per user id: written a
 * moment after the state settles (not on every event) and when the page is hidden, read
 * back at start, deleted at sign-out. Every operation goes through one queue, so a delete
 * always lands after a write that started before it.
 */
import { chat } from "./chat.js";
import {
  decodeCopy,
  type LocalCopy,
  MAX_TIMELINES,
  snapshotOf,
  touchRecent,
} from "./local-copy.js";

const DB_NAME = "private-chat";
const STORE = "local-copy";
const WRITE_DELAY_MS = 1500;

let dbPromise: Promise<IDBDatabase | undefined> | undefined;
let queue: Promise<unknown> = Promise.resolve();
let recent: string[] = [];

function openDb(): Promise<IDBDatabase | undefined> {
  dbPromise ??= new Promise((resolve) => {
    try {
      const request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE);
      request.onsuccess = () => resolve(request.result);
      // No IndexedDB (a private window of some browsers): the app works, without a copy.
      request.onerror = () => resolve(undefined);
      request.onblocked = () => resolve(undefined);
    } catch {
      resolve(undefined);
    }
  });
  return dbPromise;
}

/** Runs one request in a transaction of its own, after everything queued before it. */
function run<T>(
  mode: IDBTransactionMode,
  op: (store: IDBObjectStore) => IDBRequest<T>,
): Promise<T | undefined> {
  const next = queue.then(async () => {
    const db = await openDb();
    if (!db) return undefined;
    return new Promise<T | undefined>((resolve) => {
      try {
        const tx = db.transaction(STORE, mode);
        const request = op(tx.objectStore(STORE));
        tx.oncomplete = () => resolve(request.result);
        tx.onerror = () => resolve(undefined);
        tx.onabort = () => resolve(undefined);
      } catch {
        resolve(undefined);
      }
    });
  });
  queue = next;
  return next;
}

export async function readCopy(userId: string): Promise<LocalCopy | undefined> {
  const raw = await run("readonly", (store) => store.get(userId));
  return decodeCopy(raw, userId);
}

function writeCopy(copy: LocalCopy): Promise<unknown> {
  return run("readwrite", (store) => store.put(copy, copy.user_id));
}

/** Deletes a user's copy (sign-out, a session the server ended). */
export function deleteCopy(userId: string): Promise<unknown> {
  return run("readwrite", (store) => store.delete(userId));
}

/** Deletes every copy but `keepUserId`'s: a new sign-in leaves no one else's on the device. */
export async function deleteOtherCopies(keepUserId: string): Promise<void> {
  const keys = (await run("readonly", (store) => store.getAllKeys())) ?? [];
  for (const key of keys) if (key !== keepUserId) void run("readwrite", (s) => s.delete(key));
  await queue;
}

/** The recently opened conversations, whose newest messages the copy keeps. */
export function noteOpened(conversationId: string): void {
  recent = touchRecent(recent, conversationId);
}

/** After the copy is restored: its conversations follow any opened since the start. */
export function seedRecent(ids: readonly string[]): void {
  recent = [...recent, ...ids.filter((id) => !recent.includes(id))].slice(0, MAX_TIMELINES);
}

/**
 * Starts keeping the signed-in user's copy up to date; the returned function stops it,
 * dropping a write not yet started.
 */
export function keepLocalCopy(userId: string): () => void {
  recent = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  let saved: unknown;
  const save = () => {
    clearTimeout(timer);
    timer = undefined;
    const state = chat.get();
    if (state === saved || state.me?.id !== userId) return;
    const copy = snapshotOf(state, recent);
    if (!copy) return;
    saved = state;
    void writeCopy(copy);
  };
  const unsubscribe = chat.subscribe(() => {
    timer ??= setTimeout(save, WRITE_DELAY_MS);
  });
  // The page may be closed without another chance: save what is there when it is hidden.
  const onHide = () => {
    if (document.visibilityState === "hidden") save();
  };
  document.addEventListener("visibilitychange", onHide);
  window.addEventListener("pagehide", save);
  return () => {
    clearTimeout(timer);
    unsubscribe();
    document.removeEventListener("visibilitychange", onHide);
    window.removeEventListener("pagehide", save);
  };
}
