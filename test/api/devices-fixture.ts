/**
 * Devices and key packages for the device tests: real Ed25519 keys and MLS key packages
 * made with ts-mls, the library the clients will use, registered over REST.
 */
import assert from "node:assert/strict";
import type { DeviceView } from "@private-chat/protocol/devices";
import {
  type CiphersuiteImpl,
  defaultCapabilities,
  generateKeyPackageWithKey,
  getCiphersuiteFromName,
  getCiphersuiteImpl,
} from "ts-mls";
import { encodeKeyPackage } from "ts-mls/keyPackage.js";
import type { TestUser } from "../helpers/factories.js";
import type { client } from "../helpers/http.js";
import { V1 } from "./conversations-fixture.js";

export { V1 };

let suite: Promise<CiphersuiteImpl> | undefined;
export function cipherSuite(): Promise<CiphersuiteImpl> {
  suite ??= getCiphersuiteImpl(
    getCiphersuiteFromName("MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519"),
  );
  return suite;
}

export type SignatureKeys = { signKey: Uint8Array; publicKey: Uint8Array };

export interface TestDevice {
  id: string;
  user: TestUser;
  keys: SignatureKeys;
}

export const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64url");
const DAY = 24 * 3600;

export async function newKeys(): Promise<SignatureKeys> {
  return (await cipherSuite()).signature.keygen();
}

export interface PackageOptions {
  identity?: string;
  keys?: SignatureKeys;
  /** Seconds from now. */
  notBefore?: number;
  notAfter?: number;
}

/** One encoded key package of the device, valid unless the options say otherwise. */
export async function keyPackage(device: TestDevice, options: PackageOptions = {}) {
  const now = Math.floor(Date.now() / 1000);
  const { publicPackage } = await generateKeyPackageWithKey(
    {
      credentialType: "basic",
      identity: new TextEncoder().encode(options.identity ?? `${device.user.id}:${device.id}`),
    },
    defaultCapabilities(),
    {
      notBefore: BigInt(now + (options.notBefore ?? -60)),
      notAfter: BigInt(now + (options.notAfter ?? 29 * DAY)),
    },
    [],
    options.keys ?? device.keys,
    await cipherSuite(),
  );
  return encodeKeyPackage(publicPackage);
}

export async function keyPackages(device: TestDevice, n: number): Promise<string[]> {
  return Promise.all(Array.from({ length: n }, async () => b64(await keyPackage(device))));
}

export function deviceCalls(api: ReturnType<typeof client>) {
  const as = (user: TestUser) => ({ token: user.token });
  const register = async (user: TestUser, name = "laptop"): Promise<TestDevice> => {
    const keys = await newKeys();
    const res = await api.post<DeviceView>(
      `${V1}/devices`,
      { name, signature_key: b64(keys.publicKey) },
      as(user),
    );
    assert.equal(res.status, 201, res.text);
    return { id: res.body.id, user, keys };
  };
  const upload = (device: TestDevice, key_packages: string[], last_resort?: string) =>
    api.post(
      `${V1}/devices/${device.id}/key-packages`,
      { key_packages, ...(last_resort ? { last_resort } : {}) },
      as(device.user),
    );
  const claim = (claimer: TestUser, of: TestUser, deviceId?: string) =>
    api.post(
      `${V1}/users/${of.id}/key-packages/claim${deviceId === undefined ? "" : `?device_id=${encodeURIComponent(deviceId)}`}`,
      undefined,
      as(claimer),
    );
  return { as, register, upload, claim };
}
