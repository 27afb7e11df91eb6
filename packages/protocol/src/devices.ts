/**
 * Devices of end-to-end encrypted conversations and their MLS key packages
 * (docs/E2EE.md): a person registers each browser profile or terminal-client installation
 * with its Ed25519 public signature key, keeps a pool of key packages on the server, and
 * others claim one package per device to add them to a group. Binary values travel as
 * base64url without padding.
 */
import { z } from "zod/mini";

export const DEVICE_NAME_MAX = 64;
/** Devices one person may have at once. */
export const DEVICES_MAX = 20;
/** Unused key packages one device may have on the server at once. */
export const KEY_PACKAGES_MAX = 100;
/** Fewer unused key packages than this after a claim tells the owner to upload more. */
export const KEY_PACKAGES_LOW = 10;
/** One encoded key package at most, in bytes. */
export const KEY_PACKAGE_MAX_BYTES = 16_384;

/**
 * The identity in a device's MLS credential (a basic one): the server checks it on every
 * uploaded key package, and members read whose device a leaf is from it.
 */
export function deviceIdentity(userId: string, deviceId: string): string {
  return `${userId}:${deviceId}`;
}

const b64url = (maxChars: number) =>
  z.string().check(z.minLength(1), z.maxLength(maxChars), z.regex(/^[A-Za-z0-9_-]*$/));

/** An Ed25519 public key: 32 bytes are 43 base64url characters. */
const signatureKey = z.string().check(z.length(43), z.regex(/^[A-Za-z0-9_-]*$/));
const keyPackage = b64url(Math.ceil((KEY_PACKAGE_MAX_BYTES * 4) / 3));
// Trimmed by the server; a name of spaces alone is refused there.
const deviceName = z.string().check(z.minLength(1), z.maxLength(DEVICE_NAME_MAX));

/** `POST /api/v1/devices`. */
export const createDeviceBody = z.strictObject({
  name: deviceName,
  signature_key: signatureKey,
});
export type CreateDeviceBody = z.infer<typeof createDeviceBody>;

/** `PATCH /api/v1/devices/{id}`. */
export const updateDeviceBody = z.strictObject({ name: deviceName });
export type UpdateDeviceBody = z.infer<typeof updateDeviceBody>;

/** One of the caller's own devices. */
export const deviceView = z.object({
  id: z.string(),
  name: z.string(),
  signature_key: z.string(),
  created_at: z.number(),
  last_seen_at: z.number(),
  /** Key packages left to claim, the last-resort one not counted. */
  unused_key_packages: z.number(),
  has_last_resort: z.boolean(),
});
export type DeviceView = z.infer<typeof deviceView>;

export const devicesResponse = z.object({ devices: z.array(deviceView) });
export type DevicesResponse = z.infer<typeof devicesResponse>;

/** Another person's device, as anyone who may look them up sees it. */
export const publicDeviceView = z.object({
  id: z.string(),
  name: z.string(),
  signature_key: z.string(),
  created_at: z.number(),
});
export type PublicDeviceView = z.infer<typeof publicDeviceView>;

export const publicDevicesResponse = z.object({ devices: z.array(publicDeviceView) });
export type PublicDevicesResponse = z.infer<typeof publicDevicesResponse>;

/** `POST /api/v1/devices/{id}/key-packages`: encoded MLS KeyPackage structs. */
export const uploadKeyPackagesBody = z.strictObject({
  key_packages: z.array(keyPackage).check(z.maxLength(KEY_PACKAGES_MAX)),
  last_resort: z.optional(keyPackage),
});
export type UploadKeyPackagesBody = z.infer<typeof uploadKeyPackagesBody>;

export const keyPackagesUploaded = z.object({
  unused_key_packages: z.number(),
  has_last_resort: z.boolean(),
});
export type KeyPackagesUploaded = z.infer<typeof keyPackagesUploaded>;

/**
 * `POST /api/v1/users/{id}/key-packages/claim?device_id=`: that one device's package only,
 * for a group that holds the person's other devices already.
 */
export const claimKeyPackagesQuery = z.strictObject({
  device_id: z.optional(z.string().check(z.minLength(1), z.maxLength(64))),
});
export type ClaimKeyPackagesQuery = z.infer<typeof claimKeyPackagesQuery>;

/** `POST /api/v1/users/{id}/key-packages/claim`: one package per device that has one. */
export const claimedKeyPackagesResponse = z.object({
  key_packages: z.array(
    z.object({
      device_id: z.string(),
      key_package: z.string(),
      /** The device's last-resort package: handed out again until it is replaced. */
      last_resort: z.boolean(),
    }),
  ),
});
export type ClaimedKeyPackagesResponse = z.infer<typeof claimedKeyPackagesResponse>;
