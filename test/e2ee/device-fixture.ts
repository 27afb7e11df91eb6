/**
 * A device as an app sets it up (the SDK's registerDevice), for the suites of encrypted
 * conversations, and a check for the server's refusals.
 */
import type { ApiClient } from "@private-chat/sdk";
import { ApiError } from "@private-chat/sdk";
import { type RegisteredDevice, registerDevice, toBase64Url } from "@private-chat/sdk/mls";

export const b64 = toBase64Url;

export type Device = RegisteredDevice;

/** A device with a pool of three key packages and a last-resort one. */
export function setUpDevice(client: ApiClient, userId: string, name: string): Promise<Device> {
  return registerDevice(client.devices, userId, name, 3);
}

/** For assert.rejects: the server refused with this code (and status, when given). */
export function refusal(code: string, status?: number) {
  return (err: unknown) => {
    if (!(err instanceof ApiError)) throw err;
    if (err.code !== code || (status !== undefined && err.status !== status))
      throw new Error(`expected ${code}, got ${err.status} ${err.code}: ${err.message}`);
    return true;
  };
}
