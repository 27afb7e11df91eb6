/**
 * History shared from one of a person's devices to another (docs/E2EE.md, "Sharing from
 * a device"): a mailbox per device of sealed archives. Only the owner reaches it, and only
 * between their own devices: another person's device is 404, as one that does not exist.
 * The server checks shapes and sizes and keeps each device within its limit; what the
 * archive holds, and whether the signature is the sending device's, it cannot tell (the
 * target device checks both). People only: bots have no devices.
 */
import {
  type CreateHistoryShareBody,
  HISTORY_SHARE_MAX_BYTES,
  HISTORY_SHARE_TTL_MS,
  HISTORY_SHARES_PENDING_MAX,
  type HistoryShareEntry,
  type HistoryShareView,
} from "@private-chat/protocol/history-shares";
import { AppError } from "../errors.js";
import type { HistoryShareRow } from "../storage/history-shares.js";
import type { Store } from "../storage/store.js";
import { timeOrderedId } from "../storage/time-ordered-id.js";
import type { User } from "../storage/users.js";

/** AES-256-GCM's nonce and tag: the shortest sealed archive there is. */
export const ARCHIVE_MIN_BYTES = 12 + 16;

/** What a device may have waiting (the protocol's; a test gives smaller ones). */
export interface HistoryShareLimits {
  pendingMax: number;
  ttlMs: number;
}

function entry(row: HistoryShareRow): HistoryShareEntry {
  return {
    id: row.id,
    from_device_id: row.from_device_id,
    to_device_id: row.to_device_id,
    bytes: row.bytes,
    created_at: row.created_at,
    expires_at: row.expires_at,
  };
}

/**
 * The bytes of base64url text, refused unless `min`..`max` long and in the one spelling
 * that encodes them (no stray bits in the last character), so that one value has one form.
 */
function decoded(text: string, field: string, min: number, max: number): number {
  const bytes = Buffer.from(text, "base64url");
  const canonical = bytes.toString("base64url") === text;
  if (!canonical || bytes.length < min || bytes.length > max) {
    const size = min === max ? `${min} bytes` : `${min} to ${max} bytes`;
    throw new AppError("invalid_request", `${field} must be ${size} in base64url`, {
      field,
      reason: canonical ? "size" : "not canonical base64url",
    });
  }
  return bytes.length;
}

const noDevice = () => new AppError("not_found", "device not found");
const noShare = () => new AppError("not_found", "history share not found");

export class HistoryShareService {
  private readonly limits: HistoryShareLimits;

  constructor(
    private readonly store: Store,
    limits: Partial<HistoryShareLimits> = {},
  ) {
    this.limits = {
      pendingMax: HISTORY_SHARES_PENDING_MAX,
      ttlMs: HISTORY_SHARE_TTL_MS,
      ...limits,
    };
  }

  /** The caller's own device, or 404 for anyone else's (a stranger learns nothing). */
  private async ownDevice(user: User, deviceId: string): Promise<void> {
    if (user.isBot) throw new AppError("forbidden", "bots have no devices");
    if (!(await this.store.devices.ofUser(user.id, deviceId))) throw noDevice();
  }

  /** Leaves a share for `toDeviceId` from the caller's device `body.from_device_id`. */
  async create(
    user: User,
    toDeviceId: string,
    body: CreateHistoryShareBody,
  ): Promise<HistoryShareEntry> {
    await this.ownDevice(user, toDeviceId);
    if (!(await this.store.devices.ofUser(user.id, body.from_device_id)))
      throw new AppError("not_found", "from_device_id: no device of yours has this id", {
        field: "from_device_id",
      });
    if (body.from_device_id === toDeviceId)
      throw new AppError("invalid_request", "a device cannot share history with itself", {
        field: "from_device_id",
      });
    decoded(body.key_package_ref, "key_package_ref", 32, 32);
    decoded(body.enc, "enc", 32, 32);
    decoded(body.wrapped_key, "wrapped_key", 48, 48);
    decoded(body.signature, "signature", 64, 64);
    const bytes = decoded(body.archive, "archive", ARCHIVE_MIN_BYTES, HISTORY_SHARE_MAX_BYTES);
    const now = Date.now();
    const row = {
      id: timeOrderedId(),
      user_id: user.id,
      to_device_id: toDeviceId,
      from_device_id: body.from_device_id,
      bytes,
      created_at: now,
      expires_at: now + this.limits.ttlMs,
    };
    const { pendingMax } = this.limits;
    await this.store.transaction(async (tx) => {
      // First, so that two shares for one person take turns and cannot pass the limit together.
      await tx.devices.lockOwner(user.id);
      const pending = await tx.historyShares.pendingCount(toDeviceId, now);
      if (pending >= pendingMax)
        throw new AppError(
          "quota_exceeded",
          `at most ${pendingMax} history shares wait for one device; it has ${pending}: it takes them with chat-client devices receive-history`,
        );
      await tx.historyShares.create({
        ...row,
        key_package_ref: body.key_package_ref,
        enc: body.enc,
        wrapped_key: body.wrapped_key,
        signature: body.signature,
        archive: body.archive,
      });
    });
    return entry(row);
  }

  async list(user: User, deviceId: string): Promise<HistoryShareEntry[]> {
    await this.ownDevice(user, deviceId);
    return (await this.store.historyShares.listFor(user.id, deviceId, Date.now())).map(entry);
  }

  async get(user: User, deviceId: string, shareId: string): Promise<HistoryShareView> {
    await this.ownDevice(user, deviceId);
    const share = await this.store.historyShares.get(user.id, deviceId, shareId, Date.now());
    if (!share) throw noShare();
    return {
      ...entry(share),
      key_package_ref: share.key_package_ref,
      enc: share.enc,
      wrapped_key: share.wrapped_key,
      archive: share.archive,
      signature: share.signature,
    };
  }

  /** Removes the share and its bytes: once taken, or refused by the device. */
  async remove(user: User, deviceId: string, shareId: string): Promise<void> {
    await this.ownDevice(user, deviceId);
    if (!(await this.store.historyShares.remove(user.id, deviceId, shareId))) throw noShare();
  }
}
