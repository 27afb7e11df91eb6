/**
 * The cryptography of sharing history from one of a person's devices to another
 * (docs/E2EE.md, "Sharing from a device"): the archive is sealed with a fresh AES-256-GCM
 * key, that key sealed with HPKE (RFC 9180, suite 1's DHKEM X25519, HKDF-SHA256,
 * AES-128-GCM, as RFC 9420's EncryptWithLabel uses it) to the init key of one of the
 * target device's key packages, and the whole signed with the sending device's Ed25519 key
 * (SignWithLabel). The target opens it with the private init key it holds for that
 * package, and only when the signer is one of its own person's devices: the server, which
 * carries the share, can neither read nor forge one.
 *
 * AES-GCM from @noble/ciphers, as the key backup's, so that a browser outside a secure
 * context opens shares too; HPKE and signatures are ts-mls's own, as MLS uses them.
 */
import { gcm } from "@noble/ciphers/aes.js";
import {
  type CreateHistoryShareBody,
  type HistoryArchive,
  type HistoryShareView,
  historyArchive,
} from "@private-chat/protocol/history-shares";
import type { KeyPackage } from "ts-mls";
import { decryptWithLabel, encryptWithLabel } from "ts-mls/crypto/hpke.js";
import { signWithLabel, verifyWithLabel } from "ts-mls/crypto/signature.js";
import { decodeKeyPackage, makeKeyPackageRef, verifyKeyPackage } from "ts-mls/keyPackage.js";
import type { DeviceKeys, HeldKeyPackage } from "./device.js";
import { deviceOf } from "./identity.js";
import { fromBase64Url, type RegisteredDevice, toBase64Url } from "./register.js";
import { cipherSuite, SUITE_NAME } from "./suite.js";

/** The label of HPKE's and the signature's contexts: a share is nothing else. */
const LABEL = "private-chat history share v1";
const KEY_BYTES = 32;
const NONCE_BYTES = 12;
const encoder = new TextEncoder();

/** A share that does not check or open on this device: why, to say and to delete it. */
export class HistoryShareRefused extends Error {
  constructor(reason: string) {
    super(`the history share is refused: ${reason}`);
    this.name = "HistoryShareRefused";
  }
}

/** A device of the person's as the server lists it: its id and public signature key. */
export interface ListedDevice {
  id: string;
  signature_key: string;
}

interface ShareHeader {
  userId: string;
  fromDeviceId: string;
  toDeviceId: string;
  keyPackageRef: string;
}

/** Binds the sealed key and the archive to whose share it is, from and to which device. */
const contextOf = (h: ShareHeader) =>
  encoder.encode(JSON.stringify([h.userId, h.fromDeviceId, h.toDeviceId, h.keyPackageRef]));

/** What the signature covers: every field the target reads, in one unambiguous encoding. */
function signedOf(
  userId: string,
  toDeviceId: string,
  body: Omit<CreateHistoryShareBody, "signature">,
) {
  return encoder.encode(
    JSON.stringify([
      userId,
      body.from_device_id,
      toDeviceId,
      body.key_package_ref,
      body.enc,
      body.wrapped_key,
      body.archive,
    ]),
  );
}

function random(bytes: number): Uint8Array {
  const out = new Uint8Array(bytes);
  globalThis.crypto.getRandomValues(out);
  return out;
}

const sameBytes = (a: Uint8Array, b: Uint8Array) =>
  a.length === b.length && a.every((byte, i) => byte === b[i]);

function decodeWhole(bytes: Uint8Array): KeyPackage | undefined {
  try {
    const decoded = decodeKeyPackage(bytes, 0);
    return decoded && decoded[1] === bytes.length ? decoded[0] : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The target's key package as claimed from the server, checked to be that device's: of
 * suite 1, naming it, and signed by the signature key the server lists for it.
 */
async function targetPackage(
  encoded: Uint8Array,
  userId: string,
  target: ListedDevice,
): Promise<KeyPackage> {
  const keyPackage = decodeWhole(encoded);
  const named = keyPackage && deviceOf(keyPackage.leafNode.credential);
  if (
    !keyPackage ||
    keyPackage.cipherSuite !== SUITE_NAME ||
    named?.userId !== userId ||
    named.deviceId !== target.id ||
    !sameBytes(keyPackage.leafNode.signaturePublicKey, fromBase64Url(target.signature_key)) ||
    !(await verifyKeyPackage(keyPackage, (await cipherSuite()).signature).catch(() => false))
  )
    throw new HistoryShareRefused(`the key package handed out is not your device ${target.id}'s`);
  return keyPackage;
}

/**
 * Seals `archive` for the person's device `target`, to the key package the server handed
 * out for it (`encoded`), signed by `sender`: the body of POST .../history-shares.
 */
export async function sealHistoryShare(
  sender: DeviceKeys,
  target: ListedDevice,
  encoded: Uint8Array,
  archive: HistoryArchive,
): Promise<CreateHistoryShareBody> {
  const suite = await cipherSuite();
  const keyPackage = await targetPackage(encoded, sender.userId, target);
  const header: ShareHeader = {
    userId: sender.userId,
    fromDeviceId: sender.deviceId,
    toDeviceId: target.id,
    keyPackageRef: toBase64Url(await makeKeyPackageRef(keyPackage, suite.hash)),
  };
  const context = contextOf(header);
  const key = random(KEY_BYTES);
  const nonce = random(NONCE_BYTES);
  const sealed = gcm(key, nonce, context).encrypt(encoder.encode(JSON.stringify(archive)));
  const initKey = await suite.hpke.importPublicKey(keyPackage.initKey);
  const wrapped = await encryptWithLabel(initKey, LABEL, context, key, suite.hpke);
  const body = {
    from_device_id: sender.deviceId,
    key_package_ref: header.keyPackageRef,
    enc: toBase64Url(wrapped.enc),
    wrapped_key: toBase64Url(wrapped.ct),
    archive: toBase64Url(new Uint8Array([...nonce, ...sealed])),
  };
  const signed = signedOf(sender.userId, target.id, body);
  const signature = await signWithLabel(sender.signaturePrivateKey, LABEL, signed, suite.signature);
  return { ...body, signature: toBase64Url(signature) };
}

/** The package of `device` a share was sealed to, by its KeyPackageRef. */
export async function heldPackageOf(
  device: RegisteredDevice,
  ref: string,
): Promise<HeldKeyPackage | undefined> {
  const suite = await cipherSuite();
  const wanted = fromBase64Url(ref);
  for (const held of device.held)
    if (sameBytes(await makeKeyPackageRef(held.publicPackage, suite.hash), wanted)) return held;
  return undefined;
}

/**
 * Checks and opens a share left for `device`: signed by one of `own` (the person's
 * devices as the server lists them) and sealed to a key package the device holds. Any
 * failure is HistoryShareRefused, saying why.
 */
export async function openHistoryShare(
  device: RegisteredDevice,
  share: HistoryShareView,
  own: readonly ListedDevice[],
): Promise<{ archive: HistoryArchive; held: HeldKeyPackage }> {
  const { userId, deviceId } = device.keys;
  if (share.to_device_id !== deviceId)
    throw new HistoryShareRefused("it was left for another device");
  const signer = own.find((d) => d.id === share.from_device_id);
  if (!signer || share.from_device_id === deviceId)
    throw new HistoryShareRefused(`its sender ${share.from_device_id} is no other device of yours`);
  const suite = await cipherSuite();
  const verified = await verifyWithLabel(
    fromBase64Url(signer.signature_key),
    LABEL,
    signedOf(userId, deviceId, share),
    fromBase64Url(share.signature),
    suite.signature,
  ).catch(() => false);
  if (!verified) throw new HistoryShareRefused(`its signature is not your device ${signer.id}'s`);
  const held = await heldPackageOf(device, share.key_package_ref);
  if (!held)
    throw new HistoryShareRefused("it was sealed to a key package this device no longer holds");
  const context = contextOf({
    userId,
    fromDeviceId: share.from_device_id,
    toDeviceId: deviceId,
    keyPackageRef: share.key_package_ref,
  });
  let plaintext: Uint8Array;
  try {
    const initKey = await suite.hpke.importPrivateKey(held.privatePackage.initPrivateKey);
    const key = await decryptWithLabel(
      initKey,
      LABEL,
      context,
      fromBase64Url(share.enc),
      fromBase64Url(share.wrapped_key),
      suite.hpke,
    );
    const data = fromBase64Url(share.archive);
    plaintext = gcm(key, data.subarray(0, NONCE_BYTES), context).decrypt(
      data.subarray(NONCE_BYTES),
    );
  } catch {
    throw new HistoryShareRefused("it does not open with this device's key");
  }
  let parsed: ReturnType<typeof historyArchive.safeParse>;
  try {
    parsed = historyArchive.safeParse(JSON.parse(new TextDecoder().decode(plaintext)));
  } catch {
    throw new HistoryShareRefused("what it holds is not an archive of history");
  }
  if (!parsed.success) throw new HistoryShareRefused("what it holds is not an archive of history");
  return { archive: parsed.data, held };
}
