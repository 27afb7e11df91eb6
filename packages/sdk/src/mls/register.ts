/**
 * Setting up a new device as an app does: its signature keys made here, the device
 * registered with the server under their public half, and a pool of key packages plus a
 * last-resort one uploaded, so that others can add it to encrypted groups; and the pool
 * made up again when the server says it runs low. The private parts stay with the
 * caller, who keeps them on the device.
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

/** Where an app keeps its device (a 0600 file, IndexedDB), for `topUpKeyPackages`. */
export interface DeviceStore {
  /** The device as kept now; undefined when there is none. */
  load(): RegisteredDevice | undefined | Promise<RegisteredDevice | undefined>;
  /** Keeps `device` (awaited when it returns a promise); what it returns is not used. */
  save(device: RegisteredDevice): unknown;
}

/**
 * After `device.key_packages_low` (or seeing `remaining` unused on the server): makes the
 * device's key packages up to the pool's size again and uploads them; how many. They are
 * saved with the device before they leave, so a welcome made for one always finds its
 * private keys. The caller holds its store's lock throughout, so that two processes or
 * tabs never load the same device and save over each other's packages.
 */
export async function topUpKeyPackages(
  devices: Pick<DeviceCalls, "uploadKeyPackages">,
  store: DeviceStore,
  remaining: number,
): Promise<number> {
  const device = await store.load();
  const wanted = KEY_PACKAGE_POOL - remaining;
  if (!device || wanted <= 0) return 0;
  const fresh = await makeKeyPackages(device.keys, wanted);
  await store.save({ ...device, held: [...device.held, ...fresh] });
  await devices.uploadKeyPackages(
    device.keys.deviceId,
    fresh.map((p) => toBase64Url(p.encoded)),
  );
  return fresh.length;
}
