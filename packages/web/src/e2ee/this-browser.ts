/**
 * This browser as a device of the signed-in account (docs/E2EE.md): made and registered
 * here, its private keys kept in IndexedDB (browser-db.ts), its key packages made again
 * when they run low. Loaded on demand: it brings the SDK's MLS layer with it.
 */
import {
  KEY_PACKAGE_POOL,
  loadDevice,
  makeKeyPackages,
  type RegisteredDevice,
  registerDevice,
  saveDevice,
  toBase64Url,
} from "@private-chat/sdk/mls";
import { api } from "../api.js";
import { deviceSupported, keepDevice, NoDeviceHere, savedDevice } from "./browser-db.js";

/** Registers this browser as a device named `name`, with a pool of key packages. */
export async function addThisBrowser(userId: string, name: string): Promise<RegisteredDevice> {
  if (!deviceSupported())
    throw new NoDeviceHere("encrypted chats need the app over https (or on localhost)");
  const device = await registerDevice(api.devices, userId, name, KEY_PACKAGE_POOL);
  await keepDevice(saveDevice(device));
  return device;
}

/**
 * Makes key packages up to the pool's size again and uploads them; how many. They are
 * kept here first, so a welcome made for one always finds its private keys; the device's
 * Web Lock keeps two tabs from doing it at once.
 */
export async function topUpThisBrowser(userId: string, remaining: number): Promise<number> {
  return navigator.locks.request(`e2ee:${userId}:device`, async () => {
    const saved = await savedDevice(userId);
    const wanted = KEY_PACKAGE_POOL - remaining;
    if (!saved || wanted <= 0) return 0;
    const device = loadDevice(saved);
    const fresh = await makeKeyPackages(device.keys, wanted);
    await keepDevice(saveDevice({ ...device, held: [...device.held, ...fresh] }));
    await api.devices.uploadKeyPackages(
      device.keys.deviceId,
      fresh.map((p) => toBase64Url(p.encoded)),
    );
    return fresh.length;
  });
}
