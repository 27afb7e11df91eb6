/**
 * Setting up a new device as an app does: its signature keys made here, the device
 * registered with the server under their public half, and a pool of key packages plus a
 * last-resort one uploaded, so that others can add it to encrypted groups. The private
 * parts stay with the caller, who keeps them on the device.
 */
import type { DeviceView } from "@private-chat/protocol/devices";
import type { DeviceCalls } from "../device-calls.js";
import {
  createSignatureKeys,
  type DeviceKeys,
  type HeldKeyPackage,
  makeKeyPackages,
} from "./device.js";

/** base64url without padding, as key packages and MLS messages travel. */
export function toBase64Url(bytes: Uint8Array): string {
  let text = "";
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** The bytes of base64url text. */
export function fromBase64Url(text: string): Uint8Array {
  const plain = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
  return Uint8Array.from(plain, (c) => c.charCodeAt(0));
}

export interface RegisteredDevice {
  keys: DeviceKeys;
  /** Every key package made for it: [0] the last-resort one, then the pool. */
  held: HeldKeyPackage[];
}

/** A device just registered: its keys, and the server's view of it once the packages are in. */
export type NewDevice = RegisteredDevice & { view: DeviceView };

/** The key packages a device offers others to add it with, the last-resort one aside. */
export const KEY_PACKAGE_POOL = 20;

/** Registers a new device of `userId` named `name`, with `pool` key packages to claim. */
export async function registerDevice(
  devices: DeviceCalls,
  userId: string,
  name: string,
  pool = KEY_PACKAGE_POOL,
): Promise<NewDevice> {
  const signature = await createSignatureKeys();
  const device = await devices.register(name, toBase64Url(signature.signaturePublicKey));
  const keys: DeviceKeys = { ...signature, userId, deviceId: device.id };
  const held = await makeKeyPackages(keys, pool + 1);
  const [lastResort, ...rest] = held as [HeldKeyPackage, ...HeldKeyPackage[]];
  const counts = await devices.uploadKeyPackages(
    device.id,
    rest.map((p) => toBase64Url(p.encoded)),
    toBase64Url(lastResort.encoded),
  );
  return { keys, held, view: { ...device, ...counts } };
}
