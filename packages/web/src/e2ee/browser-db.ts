/**
 * What this browser keeps as a device of end-to-end encryption (docs/E2EE.md), in
 * IndexedDB: per account, the device's keys (the SDK's saved device: its signature key
 * pair and the private halves of its key packages) and each encrypted conversation's
 * state, and the people it verified (the devices they had when the safety numbers
 * matched), and the key backup's key once set up or restored here with what this device
 * uploaded under it. The server never sees any of it. Every step on a conversation's state
 * holds a Web Lock named for it, so two tabs of the same browser never start from one state
 * (a ratchet key used twice). Only types come from the SDK's MLS layer here: reading whether
 * this browser is a device must not load the MLS code.
 */
import type {
  BackupProgress,
  ConversationState,
  ConversationStates,
  SavedDevice,
} from "@private-chat/sdk/mls";
import { type DBSchema, type IDBPDatabase, openDB } from "idb";
import { backupChanged } from "./backup-keeper.js";

const DB_NAME = "private-chat-e2ee";
/**
 * 2 added `verified`, 3 the key backup's `backup_keys` and `backup_progress`; an upgrade
 * keeps what the earlier version held.
 */
const DB_VERSION = 3;

/** A person this device verified: their devices' signature keys when the numbers matched. */
export interface VerifiedContact {
  user_id: string;
  contact_id: string;
  /** Sorted, as the SDK's deviceKeys gives them. */
  keys: string[];
  verified_at: number;
}

interface DeviceDb extends DBSchema {
  /** By user id: the account's device in this browser. */
  devices: { key: string; value: SavedDevice };
  /** By [user id, conversation id]. */
  states: {
    key: [string, string];
    value: { user_id: string; conversation_id: string; state: ConversationState };
    indexes: { by_user: string };
  };
  /** By [user id, contact's user id]. */
  verified: { key: [string, string]; value: VerifiedContact; indexes: { by_user: string } };
  /** By user id: the key backup's key (base64url), once set up or restored here. */
  backup_keys: { key: string; value: { user_id: string; key: string } };
  /** By [user id, conversation id]: what this device uploaded of the conversation. */
  backup_progress: {
    key: [string, string];
    value: { user_id: string; conversation_id: string } & BackupProgress<object>;
    indexes: { by_user: string };
  };
}

/** The stores of what this browser keeps per account, each with a `by_user` index. */
const PER_USER = ["states", "verified", "backup_progress"] as const;

/** Why this browser cannot be a device (an insecure page, storage refused). */
export class NoDeviceHere extends Error {}

let opening: Promise<IDBPDatabase<DeviceDb>> | undefined;

function db(): Promise<IDBPDatabase<DeviceDb>> {
  if (typeof indexedDB === "undefined")
    return Promise.reject(new NoDeviceHere("this browser keeps no local database (IndexedDB)"));
  opening ??= openDB<DeviceDb>(DB_NAME, DB_VERSION, {
    upgrade(database, oldVersion) {
      if (oldVersion < 1) {
        database.createObjectStore("devices");
        const states = database.createObjectStore("states", {
          keyPath: ["user_id", "conversation_id"],
        });
        states.createIndex("by_user", "user_id");
      }
      if (oldVersion < 2) {
        const verified = database.createObjectStore("verified", {
          keyPath: ["user_id", "contact_id"],
        });
        verified.createIndex("by_user", "user_id");
      }
      if (oldVersion < 3) {
        database.createObjectStore("backup_keys", { keyPath: "user_id" });
        const progress = database.createObjectStore("backup_progress", {
          keyPath: ["user_id", "conversation_id"],
        });
        progress.createIndex("by_user", "user_id");
      }
    },
    // A newer version of the app in another tab upgrades the database: this one lets go,
    // and opens it again (upgraded) at its next step.
    blocking() {
      const open = opening;
      opening = undefined;
      void open?.then((database) => database.close());
    },
  }).catch((err: unknown) => {
    opening = undefined;
    throw new NoDeviceHere(`this browser's local database did not open (${String(err)})`);
  });
  return opening;
}

/** Whether this page may hold a device: Web Locks, like the MLS code's crypto, needs https. */
export function deviceSupported(): boolean {
  return globalThis.isSecureContext === true && "locks" in navigator;
}

/** The account's device in this browser, as saved; undefined when it has none. */
export async function savedDevice(userId: string): Promise<SavedDevice | undefined> {
  return (await db()).get("devices", userId);
}

export async function keepDevice(saved: SavedDevice): Promise<void> {
  await (await db()).put("devices", saved, saved.user_id);
}

/**
 * Forgets the account's device here: its keys, every conversation state, whom it
 * verified (the device's own record, gone with it as the rest of what it held) and the
 * key backup's key.
 */
export async function forgetDevice(userId: string): Promise<void> {
  const database = await db();
  const tx = database.transaction(["devices", "backup_keys", ...PER_USER], "readwrite");
  await tx.objectStore("devices").delete(userId);
  await tx.objectStore("backup_keys").delete(userId);
  for (const name of PER_USER) {
    const store = tx.objectStore(name);
    for (const key of await store.index("by_user").getAllKeys(userId)) await store.delete(key);
  }
  await tx.done;
}

/** The key backup's key kept here for the account (base64url); undefined when none. */
export async function backupKeyHere(userId: string): Promise<string | undefined> {
  return (await (await db()).get("backup_keys", userId))?.key;
}

/**
 * Keeps the key backup's key here, or forgets it (undefined), with what was uploaded
 * under the key before: the progress of an earlier key does not apply to another.
 */
export async function keepBackupKey(userId: string, key: string | undefined): Promise<void> {
  const database = await db();
  const tx = database.transaction(["backup_keys", "backup_progress"], "readwrite");
  if (key === undefined) await tx.objectStore("backup_keys").delete(userId);
  else await tx.objectStore("backup_keys").put({ user_id: userId, key });
  const progress = tx.objectStore("backup_progress");
  for (const id of await progress.index("by_user").getAllKeys(userId)) await progress.delete(id);
  await tx.done;
}

/**
 * Forgets the key backup's key here (sign-out), after any upload under way in this
 * browser, which holds the same Web Lock.
 */
export async function forgetBackupKey(userId: string): Promise<void> {
  if (!deviceSupported()) return;
  await navigator.locks.request(backupLock(userId), () => keepBackupKey(userId, undefined));
}

/**
 * The Web Lock of the account's device in this browser: its key packages made up again,
 * or forgotten once a history share used one, one step at a time across tabs.
 */
export const deviceLock = (userId: string) => `e2ee:${userId}:device`;

/** The Web Lock of the account's key backup in this browser: one upload at a time. */
export const backupLock = (userId: string) => `e2ee:${userId}:backup`;

/** What this device uploaded of a conversation under the key kept here. */
export async function backupProgress(
  userId: string,
  conversationId: string,
): Promise<BackupProgress<object>> {
  const saved = await (await db()).get("backup_progress", [userId, conversationId]);
  return { uploaded: saved?.uploaded ?? {} };
}

export async function keepBackupProgress(
  userId: string,
  conversationId: string,
  progress: BackupProgress<object>,
): Promise<void> {
  await (await db()).put("backup_progress", {
    user_id: userId,
    conversation_id: conversationId,
    uploaded: progress.uploaded,
  });
}

/** The conversations the account's device here keeps a state of. */
export async function keptConversations(userId: string): Promise<string[]> {
  const keys = await (await db()).getAllKeysFromIndex("states", "by_user", userId);
  return keys.map(([, conversationId]) => conversationId);
}

/** The people the account's device here verified, by their user id. */
export async function verifiedContacts(userId: string): Promise<Map<string, VerifiedContact>> {
  const all = await (await db()).getAllFromIndex("verified", "by_user", userId);
  return new Map(all.map((v) => [v.contact_id, v]));
}

export async function keepVerified(contact: VerifiedContact): Promise<void> {
  await (await db()).put("verified", contact);
}

/** The account's conversation states in this browser, one step at a time across tabs. */
export function browserStates(userId: string): ConversationStates {
  return {
    async withState(conversationId, work) {
      if (!deviceSupported())
        throw new NoDeviceHere("encrypted chats need the app over https (or on localhost)");
      const database = await db();
      return navigator.locks.request(`e2ee:${userId}:${conversationId}`, async () => {
        const saved = (await database.get("states", [userId, conversationId]))?.state;
        let saves = 0;
        const save = async (state: ConversationState) => {
          saves++;
          await database.put("states", {
            user_id: userId,
            conversation_id: conversationId,
            state,
          });
        };
        const { state, result } = await work(saved, save);
        if (state) await save(state);
        // What this device holds changed: the key backup follows, if kept here.
        if (saves > 0) backupChanged(userId, conversationId);
        return result;
      });
    },
  };
}
