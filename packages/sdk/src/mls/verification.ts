/**
 * Whether a person verified by comparing safety numbers (docs/E2EE.md#verification) is
 * still verified: the rule the terminal client and the web app share. A verification
 * covers the exact set of devices the safety number was made over, so it holds only while
 * the person's devices are that set; one added or removed since changes the number, and
 * the person must be compared again. The same set back again (a device removed, then
 * found once more with the same key) is the set that was compared. And each side of the
 * safety number, from the devices as the server lists them, alike in both apps.
 */
import { fromBase64Url } from "./register.js";
import type { SafetyParty } from "./safety-number.js";

/** A device as the server lists another person's: its public signature key, base64url. */
export interface KeyedDevice {
  signature_key: string;
}

/** Where a person stands: verified now, never verified, or verified before a change. */
export type VerificationState = "verified" | "unverified" | "changed";

/** The devices' signature keys, sorted: the form both apps keep. */
export function deviceKeys(devices: readonly KeyedDevice[]): string[] {
  return devices.map((d) => d.signature_key).sort();
}

/** One side of a safety number, from the person's devices as the server lists them. */
export function partyOf(userId: string, devices: readonly KeyedDevice[]): SafetyParty {
  return { userId, signatureKeys: devices.map((d) => fromBase64Url(d.signature_key)) };
}

/**
 * `verified`: the keys marked verified (none when never); `current`: the person's
 * devices' keys now. Order does not matter.
 */
export function verificationState(
  verified: readonly string[],
  current: readonly string[],
): VerificationState {
  if (verified.length === 0) return "unverified";
  const marked = new Set(verified);
  const now = new Set(current);
  const same = marked.size === now.size && [...now].every((k) => marked.has(k));
  return same ? "verified" : "changed";
}
