/**
 * Who a device is, inside MLS: a basic credential whose identity is `<user id>:<device id>`
 * in UTF-8, the same string the server checks when a device uploads its key packages. A
 * member's leaf in a group names the person and the device, so the app can show whose
 * device sent a message and warn when a person's devices change.
 */
import { deviceIdentity } from "@private-chat/protocol/devices";
import type { Credential } from "ts-mls";

export interface DeviceName {
  userId: string;
  deviceId: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

export function identityBytes(device: DeviceName): Uint8Array {
  return encoder.encode(deviceIdentity(device.userId, device.deviceId));
}

export function credentialOf(device: DeviceName): Credential {
  return { credentialType: "basic", identity: identityBytes(device) };
}

/** The device a credential names, or undefined for one this product did not make. */
export function deviceOf(credential: Credential): DeviceName | undefined {
  if (credential.credentialType !== "basic") return undefined;
  let text: string;
  try {
    text = decoder.decode(credential.identity);
  } catch {
    return undefined;
  }
  const parts = text.split(":");
  if (parts.length !== 2 || !parts[0] || !parts[1]) return undefined;
  return { userId: parts[0], deviceId: parts[1] };
}
