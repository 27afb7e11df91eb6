/**
 * This installation's device for end-to-end encrypted conversations (docs/E2EE.md): its
 * private keys and key packages, one file per account, of mode 0600 in the configuration
 * directory. The server holds only the public half; losing this file loses the device.
 */
import { hostname } from "node:os";
import { join } from "node:path";
import { type ApiClient, DEVICE_NAME_MAX } from "@private-chat/sdk";
import {
  KEY_PACKAGE_POOL,
  loadDevice,
  type NewDevice,
  type RegisteredDevice,
  registerDevice,
  saveDevice,
  topUpKeyPackages,
} from "@private-chat/sdk/mls";
import { configDir } from "./credentials.js";
import { withLockFile } from "./encrypted-store.js";
import { CliError, usageError } from "./errors.js";
import { safeInline } from "./sanitize.js";
import { readSecretFile, removeSecretFile, writeSecretFile } from "./secret-file.js";

/** The file's name for an account; ids are checked, since they name a file. */
function fileName(userId: string): string {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(userId))
    throw new CliError("config_error", "the saved session's user id cannot name a file");
  return `device-${userId}.json`;
}

export function devicePath(userId: string): string {
  return join(configDir(), fileName(userId));
}

/** The account's device on this installation, or undefined when it has none. */
export function loadOwnDevice(userId: string): RegisteredDevice | undefined {
  const path = devicePath(userId);
  const text = readSecretFile(path);
  if (text === undefined) return undefined;
  try {
    const device = loadDevice(JSON.parse(text));
    if (device.keys.userId !== userId) throw new TypeError("it is another account's");
    return device;
  } catch (err) {
    throw new CliError("config_error", `${path} is not this account's device: ${String(err)}`);
  }
}

export function saveOwnDevice(device: RegisteredDevice): string {
  const saved = `${JSON.stringify(saveDevice(device), null, 2)}\n`;
  return writeSecretFile(fileName(device.keys.userId), saved);
}

export function forgetOwnDevice(userId: string): boolean {
  return removeSecretFile(fileName(userId));
}

/** A name for this installation: the one given, or the machine's. */
export function deviceName(words: string[]): string {
  const name = (words.length > 0 ? words.join(" ") : `chat-client on ${hostname()}`).trim();
  if (name === "") throw usageError("devices: a device's name cannot be empty");
  return [...name].slice(0, DEVICE_NAME_MAX).join("");
}

/** Registers this installation as a device of the account and saves its keys here. */
export async function addOwnDevice(
  api: ApiClient,
  userId: string,
  name: string,
): Promise<{ device: NewDevice; path: string }> {
  const device = await registerDevice(api.devices, userId, name, KEY_PACKAGE_POOL);
  return { device, path: saveOwnDevice(device) };
}

/**
 * After `device.key_packages_low` for this installation's device: makes packages up to the
 * pool's size again and uploads them, saved here first (the SDK's `topUpKeyPackages`);
 * the key file is changed under its lock.
 */
export async function topUpOwnDevice(
  api: ApiClient,
  userId: string,
  remaining: number,
): Promise<number> {
  return withLockFile(`${devicePath(userId)}.lock`, () =>
    topUpKeyPackages(
      api.devices,
      { load: () => loadOwnDevice(userId), save: saveOwnDevice },
      remaining,
    ),
  );
}

/**
 * On `device.key_packages_low`: when it is about this installation's device, makes more
 * and says what happened (a failure is said, not thrown: the next warning tries again).
 */
export async function answerLowKeyPackages(
  api: ApiClient,
  userId: string,
  event: { device_id: string; remaining: number },
  say: (line: string) => void,
): Promise<void> {
  if (loadOwnDevice(userId)?.keys.deviceId !== event.device_id) return;
  try {
    const made = await topUpOwnDevice(api, userId, event.remaining);
    if (made > 0) say(`uploaded ${made} new key packages for this device`);
  } catch (err) {
    say(
      `could not upload new key packages: ${safeInline(err instanceof Error ? err.message : String(err))}`,
    );
  }
}
