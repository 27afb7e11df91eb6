/**
 * History shared between the caller's own devices (/api/v1/devices/{id}/history-shares),
 * reached as `client.historyShares`: sealed archives left for one device by another. The
 * server sees ciphertext only; sealing, signing and opening are in
 * `@private-chat/sdk/mls` (history-share.ts).
 */
import {
  type CreateHistoryShareBody,
  type HistoryShareEntry,
  type HistoryShareView,
  historyShareEntry,
  historySharesResponse,
  historyShareView,
} from "@private-chat/protocol/history-shares";
import type { RestTransport } from "./transport.js";

const enc = encodeURIComponent;
const sharesOf = (deviceId: string) => `/api/v1/devices/${enc(deviceId)}/history-shares`;

export class HistoryShareCalls {
  constructor(private readonly rest: RestTransport) {}

  /** Leaves a sealed share for the caller's device `toDeviceId`. */
  create(toDeviceId: string, body: CreateHistoryShareBody): Promise<HistoryShareEntry> {
    return this.rest.request("POST", sharesOf(toDeviceId), historyShareEntry, body);
  }

  /** The shares waiting for the caller's device, oldest first, without their bytes. */
  async list(deviceId: string): Promise<HistoryShareEntry[]> {
    return (await this.rest.request("GET", sharesOf(deviceId), historySharesResponse)).shares;
  }

  get(deviceId: string, shareId: string): Promise<HistoryShareView> {
    return this.rest.request("GET", `${sharesOf(deviceId)}/${enc(shareId)}`, historyShareView);
  }

  /** Removes the share and its bytes from the server. */
  async remove(deviceId: string, shareId: string): Promise<void> {
    await this.rest.call("DELETE", `${sharesOf(deviceId)}/${enc(shareId)}`);
  }
}
