/**
 * Checks an uploaded MLS key package (RFC 9420, §10) before it joins a device's pool, so
 * that whoever claims it gets something that works and belongs to the device: it decodes
 * completely, is MLS 1.0 of suite 1 (docs/E2EE.md), both its signatures verify under the
 * device's registered signature key, its credential is a basic one naming
 * `<user id>:<device id>`, and its lifetime is current and at most 30 days. Anything else
 * is a KeyPackageProblem, which the service turns into a 400 naming the package.
 */
import {
  type CiphersuiteImpl,
  type CiphersuiteName,
  getCiphersuiteFromName,
  getCiphersuiteImpl,
} from "ts-mls";
import { decodeKeyPackage, makeKeyPackageRef, verifyKeyPackage } from "ts-mls/keyPackage.js";
import { verifyLeafNodeSignatureKeyPackage } from "ts-mls/leafNode.js";

export const CIPHER_SUITE: CiphersuiteName = "MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519";
/** The longest lifetime a key package may have (docs/E2EE.md), from now. */
export const MAX_LIFETIME_MS = 30 * 24 * 3600 * 1000;
/** Clocks of devices and server disagree a little: this much either way is accepted. */
export const CLOCK_SKEW_MS = 3600 * 1000;

export class KeyPackageProblem extends Error {}

export interface CheckedKeyPackage {
  /** The KeyPackageRef (RFC 9420, §5.2), base64url. */
  ref: string;
  /** When its lifetime ends, in milliseconds. */
  notAfter: number;
}

let suite: Promise<CiphersuiteImpl> | undefined;
function cipherSuite(): Promise<CiphersuiteImpl> {
  suite ??= getCiphersuiteImpl(getCiphersuiteFromName(CIPHER_SUITE));
  return suite;
}

function decode(bytes: Uint8Array) {
  let decoded: ReturnType<typeof decodeKeyPackage>;
  try {
    decoded = decodeKeyPackage(bytes, 0);
  } catch {
    // The decoders throw on some garbage (a length past the end) rather than fail.
    decoded = undefined;
  }
  if (!decoded) throw new KeyPackageProblem("it is not an MLS KeyPackage (it does not decode)");
  const [keyPackage, length] = decoded;
  if (length !== bytes.length) {
    throw new KeyPackageProblem(`${bytes.length - length} bytes follow the KeyPackage`);
  }
  return keyPackage;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

export async function checkKeyPackage(
  bytes: Uint8Array,
  expected: { signatureKey: Uint8Array; identity: string },
  now: number,
): Promise<CheckedKeyPackage> {
  const keyPackage = decode(bytes);
  if (keyPackage.version !== "mls10") throw new KeyPackageProblem("its version is not mls10");
  if (keyPackage.cipherSuite !== CIPHER_SUITE) {
    throw new KeyPackageProblem(`its cipher suite is not ${CIPHER_SUITE} (1)`);
  }
  const leaf = keyPackage.leafNode;
  if (!Buffer.from(leaf.signaturePublicKey).equals(Buffer.from(expected.signatureKey))) {
    throw new KeyPackageProblem("its signature key is not the device's");
  }
  if (
    leaf.credential.credentialType !== "basic" ||
    identityOf(leaf.credential.identity) !== expected.identity
  ) {
    throw new KeyPackageProblem(`its credential is not a basic one of "${expected.identity}"`);
  }
  // RFC 9420, §10.1: the init key and the leaf's encryption key must differ.
  if (Buffer.from(keyPackage.initKey).equals(Buffer.from(leaf.hpkePublicKey))) {
    throw new KeyPackageProblem("its init key is its leaf's encryption key");
  }
  const notBefore = Number(leaf.lifetime.notBefore) * 1000;
  const notAfter = Number(leaf.lifetime.notAfter) * 1000;
  if (notAfter <= now) throw new KeyPackageProblem("its lifetime has ended");
  if (notBefore > now + CLOCK_SKEW_MS) throw new KeyPackageProblem("its lifetime has not begun");
  if (notAfter > now + MAX_LIFETIME_MS + CLOCK_SKEW_MS) {
    throw new KeyPackageProblem("its lifetime ends more than 30 days from now");
  }
  const cs = await cipherSuite();
  const signed =
    (await verifyKeyPackage(keyPackage, cs.signature).catch(() => false)) &&
    (await verifyLeafNodeSignatureKeyPackage(leaf, cs.signature).catch(() => false));
  if (!signed) throw new KeyPackageProblem("its signature does not verify");
  const ref = await makeKeyPackageRef(keyPackage, cs.hash);
  return { ref: Buffer.from(ref).toString("base64url"), notAfter };
}

function identityOf(identity: Uint8Array): string | undefined {
  try {
    return utf8.decode(identity);
  } catch {
    return undefined;
  }
}
