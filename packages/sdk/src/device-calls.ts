/**
 * Devices and MLS key packages of end-to-end encryption (/api/v1/devices,
 * /api/v1/users/{id}/devices and .../key-packages/claim), reached as `client.devices`.
 * Key packages travel as base64url of their encoded bytes; see docs/API.md for what the
 * server checks in each.
 */
import {
  type ClaimedKeyPackagesResponse,
  claimedKeyPackagesResponse,
  type DeviceView,
  devicesResponse,
  deviceView,
  type KeyPackagesUploaded,
  keyPackagesUploaded,
  type PublicDeviceView,
  publicDevicesResponse,
} from "@private-chat/protocol/devices";
import type { RestTransport } from "./transport.js";

const enc = encodeURIComponent;

export class DeviceCalls {
  constructor(private readonly rest: RestTransport) {}

  /** Registers a device with its Ed25519 public signature key (32 bytes, base64url). */
  register(name: string, signatureKey: string): Promise<DeviceView> {
    return this.rest.request("POST", "/api/v1/devices", deviceView, {
      name,
      signature_key: signatureKey,
    });
  }

  async list(): Promise<DeviceView[]> {
    return (await this.rest.request("GET", "/api/v1/devices", devicesResponse)).devices;
  }

  rename(id: string, name: string): Promise<DeviceView> {
    return this.rest.request("PATCH", `/api/v1/devices/${enc(id)}`, deviceView, { name });
  }

  /** Removes the device and every key package of it left on the server. */
  async remove(id: string): Promise<void> {
    await this.rest.call("DELETE", `/api/v1/devices/${enc(id)}`);
  }

  /** Adds key packages (at most 100 unused a device); `lastResort` replaces the old one. */
  uploadKeyPackages(
    id: string,
    keyPackages: string[],
    lastResort?: string,
  ): Promise<KeyPackagesUploaded> {
    return this.rest.request(
      "POST",
      `/api/v1/devices/${enc(id)}/key-packages`,
      keyPackagesUploaded,
      {
        key_packages: keyPackages,
        ...(lastResort === undefined ? {} : { last_resort: lastResort }),
      },
    );
  }

  /** Another person's devices: their ids, names and public signature keys. */
  async ofUser(userId: string): Promise<PublicDeviceView[]> {
    return (
      await this.rest.request("GET", `/api/v1/users/${enc(userId)}/devices`, publicDevicesResponse)
    ).devices;
  }

  /**
   * One key package of each of the person's devices that has one (or of `deviceId` alone),
   * each for this caller only.
   */
  async claimKeyPackages(
    userId: string,
    deviceId?: string,
  ): Promise<ClaimedKeyPackagesResponse["key_packages"]> {
    const only = deviceId === undefined ? "" : `?device_id=${enc(deviceId)}`;
    return (
      await this.rest.request(
        "POST",
        `/api/v1/users/${enc(userId)}/key-packages/claim${only}`,
        claimedKeyPackagesResponse,
      )
    ).key_packages;
  }
}
