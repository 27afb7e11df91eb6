/**
 * A device's own MLS material: its Ed25519 signature key pair, made once and kept on the
 * device (never sent to the server), and the key packages others use to add it to a group.
 * Every key package of a device is signed by the one key the server holds for it, which is
 * how the server ties an uploaded package to a device.
 */
import {
  defaultCapabilities,
  generateKeyPackageWithKey,
  type KeyPackage,
  type PrivateKeyPackage,
} from "ts-mls";
import { encodeKeyPackage } from "ts-mls/keyPackage.js";
import { credentialOf, type DeviceName } from "./identity.js";
import { cipherSuite } from "./suite.js";

/** A key package lives 30 days (docs/E2EE.md); the server drops it after. */
export const KEY_PACKAGE_LIFETIME_S = 30 * 24 * 3600;
/** Starts a little in the past, so a member whose clock is behind still accepts it. */
const CLOCK_SKEW_S = 3600;

export interface SignatureKeys {
  signaturePublicKey: Uint8Array;
  signaturePrivateKey: Uint8Array;
}

/** A device's keys and its name on the server, once registered there. */
export type DeviceKeys = SignatureKeys & DeviceName;

/** What a device keeps of one key package until a welcome uses it (or it expires). */
export interface HeldKeyPackage {
  publicPackage: KeyPackage;
  privatePackage: PrivateKeyPackage;
  /** The package as the server takes and hands it out: the KeyPackage's TLS encoding. */
  encoded: Uint8Array;
}

/**
 * A new device's signature key pair. The public key is what the device registers with
 * (`POST /api/v1/devices`); the id the server gives it completes its DeviceKeys.
 */
export async function createSignatureKeys(): Promise<SignatureKeys> {
  const { publicKey, signKey } = await (await cipherSuite()).signature.keygen();
  return { signaturePublicKey: publicKey, signaturePrivateKey: signKey };
}

/** The keys of a device known by name already (tests, and a device set up before). */
export async function createDeviceKeys(name: DeviceName): Promise<DeviceKeys> {
  return { ...(await createSignatureKeys()), ...name };
}

/** `count` fresh key packages, valid from now for KEY_PACKAGE_LIFETIME_S. */
export async function makeKeyPackages(
  device: DeviceKeys,
  count: number,
  now = Date.now(),
): Promise<HeldKeyPackage[]> {
  const suite = await cipherSuite();
  const seconds = BigInt(Math.floor(now / 1000));
  const lifetime = {
    notBefore: seconds - BigInt(CLOCK_SKEW_S),
    notAfter: seconds + BigInt(KEY_PACKAGE_LIFETIME_S),
  };
  const keys = { signKey: device.signaturePrivateKey, publicKey: device.signaturePublicKey };
  const made: HeldKeyPackage[] = [];
  for (let i = 0; i < count; i++) {
    const { publicPackage, privatePackage } = await generateKeyPackageWithKey(
      credentialOf(device),
      defaultCapabilities(),
      lifetime,
      [],
      keys,
      suite,
    );
    made.push({ publicPackage, privatePackage, encoded: encodeKeyPackage(publicPackage) });
  }
  return made;
}
