/**
 * A registered device as plain JSON, for a device's own store (the terminal client's
 * 0600 key file): its signature key pair, its name on the server, and every key package
 * it still holds with the private keys a welcome needs. Everything in it is secret.
 */
import { decodeKeyPackage } from "ts-mls/keyPackage.js";
import { z } from "zod/mini";
import type { HeldKeyPackage } from "./device.js";
import { fromBase64Url, type RegisteredDevice, toBase64Url } from "./register.js";

const bytes = z.string().check(z.regex(/^[A-Za-z0-9_-]*$/));

export const savedDevice = z.object({
  version: z.literal(1),
  user_id: z.string(),
  device_id: z.string(),
  signature_public_key: bytes,
  signature_private_key: bytes,
  key_packages: z.array(
    z.object({ key_package: bytes, init_private_key: bytes, hpke_private_key: bytes }),
  ),
});
export type SavedDevice = z.infer<typeof savedDevice>;

export function saveDevice(device: RegisteredDevice): SavedDevice {
  return {
    version: 1,
    user_id: device.keys.userId,
    device_id: device.keys.deviceId,
    signature_public_key: toBase64Url(device.keys.signaturePublicKey),
    signature_private_key: toBase64Url(device.keys.signaturePrivateKey),
    key_packages: device.held.map((held) => ({
      key_package: toBase64Url(held.encoded),
      init_private_key: toBase64Url(held.privatePackage.initPrivateKey),
      hpke_private_key: toBase64Url(held.privatePackage.hpkePrivateKey),
    })),
  };
}

/** The device saved by `saveDevice`; throws a TypeError naming what is wrong. */
export function loadDevice(value: unknown): RegisteredDevice {
  const parsed = savedDevice.safeParse(value);
  if (!parsed.success) throw new TypeError(`not a saved device: ${parsed.error.message}`);
  try {
    return fromSaved(parsed.data);
  } catch (err) {
    if (err instanceof TypeError) throw err;
    throw new TypeError(`not a saved device: ${String(err)}`);
  }
}

function fromSaved(saved: SavedDevice): RegisteredDevice {
  const signaturePrivateKey = fromBase64Url(saved.signature_private_key);
  const held = saved.key_packages.map((p): HeldKeyPackage => {
    const encoded = fromBase64Url(p.key_package);
    const decoded = decodeKeyPackage(encoded, 0);
    if (!decoded || decoded[1] !== encoded.length)
      throw new TypeError("not a saved device: a key package does not decode");
    return {
      publicPackage: decoded[0],
      privatePackage: {
        initPrivateKey: fromBase64Url(p.init_private_key),
        hpkePrivateKey: fromBase64Url(p.hpke_private_key),
        signaturePrivateKey,
      },
      // The bytes as saved: the whole input decoded, so they are the package's encoding.
      encoded,
    };
  });
  return {
    keys: {
      userId: saved.user_id,
      deviceId: saved.device_id,
      signaturePublicKey: fromBase64Url(saved.signature_public_key),
      signaturePrivateKey,
    },
    held,
  };
}
