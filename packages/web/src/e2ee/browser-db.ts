/**
 * What this browser keeps as a device of end-to-end encryption (docs/E2EE.md), in
 * IndexedDB: per account, the device's keys (the SDK's saved device: its signature key
 * pair and the private halves of its key packages) and each encrypted conversation's
 * state, and the people it verified (the devices they had when the safety numbers
 * matched). The server never sees any of it. Every step on a conversation's state holds a Web
 * Lock named for it, so two tabs of the same browser never start from one state (a
 * ratchet key used twice). Only types come from the SDK's MLS layer here: reading whether
 * this browser is a device must not load the MLS code.
 */
import type { ConversationState, ConversationStates, SavedDevice } from "@private-chat/sdk/mls";
import { type DBSchema, type IDBPDatabase, openDB } from "idb";

const DB_NAME = "private-chat-e2ee";
/** 2 added `verified`; an upgrade from 1 keeps the devices and states. */
const DB_VERSION = 2;

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
}

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
 * Forgets the account's device here: its keys, every conversation state and whom it
 * verified (the device's own record, gone with it as the rest of what it held).
 */
export async function forgetDevice(userId: string): Promise<void> {
  const database = await db();
  const tx = database.transaction(["devices", "states", "verified"], "readwrite");
  await tx.objectStore("devices").delete(userId);
  for (const name of ["states", "verified"] as const) {
    const store = tx.objectStore(name);
    for (const key of await store.index("by_user").getAllKeys(userId)) await store.delete(key);
  }
  await tx.done;
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
        const save = async (state: ConversationState) => {
          await database.put("states", {
            user_id: userId,
            conversation_id: conversationId,
            state,
          });
        };
        const { state, result } = await work(saved, save);
        if (state) await save(state);
        return result;
      });
    },
  };
}
