/**
 * The devices this installation has seen for each person it shares an encrypted
 * conversation with, and those the user verified by comparing safety numbers
 * (docs/E2EE.md#verification): one 0600 file per account, `contacts-<user id>.json`,
 * changed under its lock. A person's devices seen the first time are taken as they are;
 * a change after that is news (said where the devices were looked at), and a verification
 * holds only for the devices compared (the SDK's verificationState, as in the web app).
 */
import { join } from "node:path";
import type { PublicDeviceView } from "@private-chat/sdk";
import { deviceKeys, verificationState } from "@private-chat/sdk/mls";
import { configDir } from "./credentials.js";
import { withLockFile } from "./encrypted-store.js";
import { CliError } from "./errors.js";
import { readSecretJson, writeSecretFile } from "./secret-file.js";

/** What is kept of one person: their devices' signature keys, as last seen and as verified. */
export interface Contact {
  seen: string[];
  verified: string[];
}
type Contacts = Record<string, Contact>;

/** What changed in a person's devices since they were last seen. */
export interface DeviceChange {
  added: PublicDeviceView[];
  removed: number;
  /** The person was verified as last seen. */
  wasVerified: boolean;
}

function fileName(userId: string): string {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(userId))
    throw new CliError("config_error", "the saved session's user id cannot name a file");
  return `contacts-${userId}.json`;
}

function isContacts(value: unknown): value is Contacts {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const keys = (v: unknown) => Array.isArray(v) && v.every((k) => typeof k === "string");
  return Object.values(value).every(
    (c) => typeof c === "object" && c !== null && keys(c.seen) && keys(c.verified),
  );
}

function load(me: string): Contacts {
  const path = join(configDir(), fileName(me));
  const parsed = readSecretJson(path);
  if (parsed === undefined) return {};
  if (!isContacts(parsed)) throw new CliError("config_error", `${path} is not a contacts file`);
  return parsed;
}

async function change<T>(me: string, work: (contacts: Contacts) => T): Promise<T> {
  return withLockFile(`${join(configDir(), fileName(me))}.lock`, async () => {
    const contacts = load(me);
    const result = work(contacts);
    writeSecretFile(fileName(me), `${JSON.stringify(contacts, null, 2)}\n`);
    return result;
  });
}

/** What is kept of `userId`, if anything. */
export function contactOf(me: string, userId: string): Contact | undefined {
  return load(me)[userId];
}

/**
 * Notes a person's devices as the server lists them now; what changed since they were
 * last seen, or undefined the first time and when nothing did.
 */
export async function noteDevices(
  me: string,
  userId: string,
  listed: readonly PublicDeviceView[],
): Promise<DeviceChange | undefined> {
  const keys = deviceKeys(listed);
  const known = contactOf(me, userId);
  if (known && sameKeys(known.seen, keys)) return undefined;
  return change(me, (contacts) => {
    const before = contacts[userId];
    contacts[userId] = { seen: keys, verified: before?.verified ?? [] };
    if (!before || sameKeys(before.seen, keys)) return undefined;
    return {
      added: listed.filter((d) => !before.seen.includes(d.signature_key)),
      removed: before.seen.filter((k) => !keys.includes(k)).length,
      wasVerified: verificationState(before.verified, before.seen) === "verified",
    };
  });
}

/** After the safety numbers matched: these devices of the person are verified. */
export async function markVerified(
  me: string,
  userId: string,
  listed: readonly PublicDeviceView[],
): Promise<void> {
  const keys = deviceKeys(listed);
  await change(me, (contacts) => {
    contacts[userId] = { seen: keys, verified: keys };
  });
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((k, i) => k === b[i]);
}

/** The line that says a person's devices changed; `who` is "@name", or undefined for oneself. */
export function deviceChangeLine(who: string | undefined, change: DeviceChange): string {
  const names = change.added.map((d) => `"${d.name}" (${d.id.slice(0, 8)})`).join(", ");
  if (who === undefined) {
    const added =
      change.added.length === 0
        ? ""
        : `your account has a new device for encrypted chats: ${names}; if it is not yours, remove it with chat-client devices remove <id>`;
    return added || `a device was removed from your account`;
  }
  const parts = [
    ...(change.added.length > 0 ? [`${who} has a new device for encrypted chats: ${names}`] : []),
    ...(change.removed > 0
      ? [`${who} removed ${change.removed} device${change.removed === 1 ? "" : "s"}`]
      : []),
  ];
  const again = change.wasVerified
    ? `; ${who} is no longer verified: compare safety numbers again with chat-client verify ${who}`
    : "";
  return `${parts.join("; ")}${again}`;
}
