/**
 * This browser as a device of the signed-in account (docs/E2EE.md): made and registered
 * here, its private keys kept in IndexedDB (browser-db.ts), its key packages made again
 * when they run low. Loaded on demand: it brings the SDK's MLS layer with it.
 */
import {
  KEY_PACKAGE_POOL,
  loadDevice,
  type RegisteredDevice,
  registerDevice,
  saveDevice,
  topUpKeyPackages,
} from "@private-chat/sdk/mls";
import { api } from "../api.js";
import {
  deviceLock,
  deviceSupported,
  keepDevice,
  NoDeviceHere,
  savedDevice,
} from "./browser-db.js";

/** Registers this browser as a device named `name`, with a pool of key packages. */
export async function addThisBrowser(userId: string, name: string): Promise<RegisteredDevice> {
  if (!deviceSupported())
    throw new NoDeviceHere("encrypted chats need the app over https (or on localhost)");
  const device = await registerDevice(api.devices, userId, name, KEY_PACKAGE_POOL);
  await keepDevice(saveDevice(device));
  return device;
}

/**
 * Makes this browser's key packages up to the pool's size again and uploads them (the
 * SDK's `topUpKeyPackages`: kept here before they leave); how many. Under the device's
 * Web Lock, and counted on the server afresh under it: every open tab hears the same
 * warning, and a warning replayed after being away may be older than the last top-up,
 * so a count from before the lock would upload a second pool.
 */
export async function topUpThisBrowser(userId: string): Promise<number> {
  return navigator.locks.request(deviceLock(userId), async () => {
    const saved = await savedDevice(userId);
    if (!saved) return 0;
    const listed = (await api.devices.list()).find((d) => d.id === saved.device_id);
    // Removed from elsewhere: Settings forgets its keys when it next lists the devices.
    if (!listed) return 0;
    return topUpKeyPackages(
      api.devices,
      { load: () => loadDevice(saved), save: (device) => keepDevice(saveDevice(device)) },
      listed.unused_key_packages,
    );
  });
}
