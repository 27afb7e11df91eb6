/**
 * The authorisation matrix's cases for devices and key packages of end-to-end encryption
 * (see authz-routes.ts): a person's own devices, which nobody else may rename, remove or
 * fill (404, as for a device that does not exist), nor reach its history shares, and other people's public keys and key
 * packages, for whoever may look them up in the directory; and the key backup's.
 */
import { randomBytes } from "node:crypto";
import type { RouteCase } from "./authz-routes.js";
import { API, type World } from "./authz-world.js";

const fixed = (path: string, body?: unknown) => () => ({ path: `${API}${path}`, body });
const ownerDevice = (w: World) => `${API}/devices/${w.ownerDeviceId}`;

export const DEVICE_CASES: Record<string, RouteCase> = {
  "GET /api/v1/devices": { scope: "self", call: fixed("/devices") },
  "POST /api/v1/devices": {
    scope: "self",
    call: () => ({
      path: `${API}/devices`,
      body: { name: "intruder", signature_key: randomBytes(32).toString("base64url") },
    }),
  },
  "PATCH /api/v1/devices/:id": {
    scope: "foreign",
    call: (w) => ({ path: ownerDevice(w), body: { name: "taken over" } }),
  },
  "DELETE /api/v1/devices/:id": { scope: "foreign", call: (w) => ({ path: ownerDevice(w) }) },
  // A package that would fail its checks, were the device the caller's: it is not.
  "POST /api/v1/devices/:id/key-packages": {
    scope: "foreign",
    call: (w) => ({ path: `${ownerDevice(w)}/key-packages`, body: { key_packages: ["AAAA"] } }),
  },
  // The owner's mailbox of history shares, and a share in it: nobody else's (404).
  "POST /api/v1/devices/:id/history-shares": {
    scope: "foreign",
    call: (w) => ({
      path: `${ownerDevice(w)}/history-shares`,
      body: {
        from_device_id: w.ownerDeviceId,
        key_package_ref: randomBytes(32).toString("base64url"),
        enc: randomBytes(32).toString("base64url"),
        wrapped_key: randomBytes(48).toString("base64url"),
        archive: randomBytes(64).toString("base64url"),
        signature: randomBytes(64).toString("base64url"),
      },
    }),
  },
  "GET /api/v1/devices/:id/history-shares": {
    scope: "foreign",
    call: (w) => ({ path: `${ownerDevice(w)}/history-shares` }),
  },
  "GET /api/v1/devices/:id/history-shares/:share_id": {
    scope: "foreign",
    call: (w) => ({ path: `${ownerDevice(w)}/history-shares/${w.ownerShareId}` }),
  },
  "DELETE /api/v1/devices/:id/history-shares/:share_id": {
    scope: "foreign",
    call: (w) => ({ path: `${ownerDevice(w)}/history-shares/${w.ownerShareId}` }),
  },
  "GET /api/v1/users/:id/devices": {
    scope: "self",
    directory: true,
    call: (w) => ({ path: `${API}/users/${w.owner.id}/devices` }),
  },
  "POST /api/v1/users/:id/key-packages/claim": {
    scope: "self",
    directory: true,
    call: (w) => ({ path: `${API}/users/${w.owner.id}/key-packages/claim` }),
  },
};

const ownerChunk = (w: World) => `${API}/key-backup/chunks/${w.ownerChunkId}`;

/**
 * The key backup: the caller's own (a stranger has none, so 404), and the owner's chunk,
 * which nobody else may read, replace or delete (404, as for a chunk that does not exist).
 */
export const KEY_BACKUP_CASES: Record<string, RouteCase> = {
  "GET /api/v1/key-backup": { scope: "self", call: fixed("/key-backup") },
  // A wrapped key that fails its checks: the route is reached, nothing is stored.
  "PUT /api/v1/key-backup": { scope: "self", call: fixed("/key-backup", { wrapped_key: "AAAA" }) },
  "DELETE /api/v1/key-backup": { scope: "self", call: fixed("/key-backup") },
  "GET /api/v1/key-backup/chunks": { scope: "self", call: fixed("/key-backup/chunks") },
  "GET /api/v1/key-backup/chunks/:id": { scope: "foreign", call: (w) => ({ path: ownerChunk(w) }) },
  "PUT /api/v1/key-backup/chunks/:id": {
    scope: "foreign",
    call: (w) => ({ path: ownerChunk(w), body: { data: randomBytes(64).toString("base64url") } }),
  },
  "DELETE /api/v1/key-backup/chunks/:id": {
    scope: "foreign",
    call: (w) => ({ path: ownerChunk(w) }),
  },
};
