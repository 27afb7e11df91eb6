/**
 * Devices of end-to-end encrypted conversations and their pools of MLS key packages
 * (migration 032, docs/E2EE.md). Binary values (signature keys, key packages, refs) are
 * kept as base64url text, as passkeys' keys are.
 */
import { type Kysely, sql } from "kysely";
import { isUniqueViolation } from "./errors.js";
import { lockOwnerRow } from "./owner-lock.js";
import type { Database } from "./schema.js";
import type { DevicesTable } from "./schema-devices.js";
import type { DatabaseType } from "./store.js";

export interface Device {
  id: string;
  userId: string;
  name: string;
  signatureKey: string;
  createdAt: number;
  lastSeenAt: number;
}

export interface DeviceWithPool extends Device {
  /** Key packages left to claim, the last-resort one not counted. */
  unusedKeyPackages: number;
  hasLastResort: boolean;
}

export interface NewKeyPackage {
  id: string;
  ref: string;
  keyPackage: string;
  notAfter: number;
}

export interface ClaimedKeyPackage {
  keyPackage: string;
  lastResort: boolean;
}

/**
 * A claimer that loses a row to a concurrent claim picks the next one; each loss means
 * another claim won, so this bound is only ever reached under a storm of claims, and
 * then the last-resort package (always valid to hand out) is the answer.
 */
const CLAIM_ATTEMPTS = 50;

function toDevice(row: DevicesTable): Device {
  return {
    id: row.id,
    userId: row.user_id,
    name: row.name,
    signatureKey: row.signature_key,
    createdAt: Number(row.created_at),
    lastSeenAt: Number(row.last_seen_at),
  };
}

export class DeviceStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly type: DatabaseType,
  ) {}

  /**
   * Inside a transaction: holds the user's row until it ends, so that two registrations
   * of one person take turns and cannot both pass the count of devices. SQLite runs one
   * write transaction at a time (`begin immediate`), which is already that lock.
   */
  async lockOwner(userId: string): Promise<void> {
    await lockOwnerRow(this.db, this.type, userId);
  }

  /** False when another device has this signature key already. */
  async create(device: Device): Promise<boolean> {
    try {
      await this.db
        .insertInto("devices")
        .values({
          id: device.id,
          user_id: device.userId,
          name: device.name,
          signature_key: device.signatureKey,
          created_at: device.createdAt,
          last_seen_at: device.lastSeenAt,
        })
        .execute();
      return true;
    } catch (err) {
      if (isUniqueViolation(err)) return false;
      throw err;
    }
  }

  async countOf(userId: string): Promise<number> {
    const row = await this.db
      .selectFrom("devices")
      .select(sql<number>`count(*)`.as("n"))
      .where("user_id", "=", userId)
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  async of(userId: string): Promise<Device[]> {
    const rows = await this.db
      .selectFrom("devices")
      .selectAll()
      .where("user_id", "=", userId)
      .orderBy("created_at")
      .orderBy("id")
      .execute();
    return rows.map(toDevice);
  }

  /** The user's device, or undefined when it is not theirs (or does not exist). */
  async ofUser(userId: string, id: string): Promise<Device | undefined> {
    const row = await this.db
      .selectFrom("devices")
      .selectAll()
      .where("id", "=", id)
      .where("user_id", "=", userId)
      .executeTakeFirst();
    return row ? toDevice(row) : undefined;
  }

  /** Each device with what is left of its pool at `now`. */
  async withPools(devices: Device[], now: number): Promise<DeviceWithPool[]> {
    if (devices.length === 0) return [];
    const rows = await this.db
      .selectFrom("key_packages")
      .select(["device_id", "last_resort", sql<number>`count(*)`.as("n")])
      .where(
        "device_id",
        "in",
        devices.map((d) => d.id),
      )
      .where("not_after", ">", now)
      .groupBy(["device_id", "last_resort"])
      .execute();
    return devices.map((device) => {
      const of = rows.filter((r) => r.device_id === device.id);
      const unused = of.find((r) => Number(r.last_resort) === 0);
      return {
        ...device,
        unusedKeyPackages: Number(unused?.n ?? 0),
        hasLastResort: of.some((r) => Number(r.last_resort) === 1),
      };
    });
  }

  async rename(userId: string, id: string, name: string): Promise<boolean> {
    const result = await this.db
      .updateTable("devices")
      .set({ name })
      .where("id", "=", id)
      .where("user_id", "=", userId)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /**
   * Marks the device as seen. Inside a transaction on PostgreSQL this also locks its row,
   * so two uploads to one device take turns and cannot both fill the pool past its limit.
   */
  async touch(id: string, now: number): Promise<void> {
    await this.db.updateTable("devices").set({ last_seen_at: now }).where("id", "=", id).execute();
  }

  /** Removes the device and every key package of it (the bytes, not only their use). */
  async remove(userId: string, id: string): Promise<boolean> {
    const owned = await this.ofUser(userId, id);
    if (!owned) return false;
    await this.db.deleteFrom("key_packages").where("device_id", "=", id).execute();
    const result = await this.db
      .deleteFrom("devices")
      .where("id", "=", id)
      .where("user_id", "=", userId)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /** An account's deletion: its devices and their key packages go. */
  async removeAllOf(userId: string): Promise<void> {
    const ids = this.db.selectFrom("devices").select("id").where("user_id", "=", userId);
    await this.db.deleteFrom("key_packages").where("device_id", "in", ids).execute();
    await this.db.deleteFrom("devices").where("user_id", "=", userId).execute();
  }

  /** Unused key packages of the device at `now`, the last-resort one not counted. */
  async unusedCount(deviceId: string, now: number): Promise<number> {
    const row = await this.db
      .selectFrom("key_packages")
      .select(sql<number>`count(*)`.as("n"))
      .where("device_id", "=", deviceId)
      .where("last_resort", "=", 0)
      .where("not_after", ">", now)
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  async hasLastResort(deviceId: string, now: number): Promise<boolean> {
    return (await this.lastResort(deviceId, now)) !== undefined;
  }

  /** The device's last-resort package while it lives: handed out, never taken. */
  private async lastResort(deviceId: string, now: number): Promise<string | undefined> {
    const row = await this.db
      .selectFrom("key_packages")
      .select("key_package")
      .where("device_id", "=", deviceId)
      .where("last_resort", "=", 1)
      .where("not_after", ">", now)
      .executeTakeFirst();
    return row?.key_package;
  }

  /** Which of these refs are stored already. */
  async knownRefs(refs: string[]): Promise<Set<string>> {
    if (refs.length === 0) return new Set();
    const rows = await this.db
      .selectFrom("key_packages")
      .select("ref")
      .where("ref", "in", refs)
      .execute();
    return new Set(rows.map((r) => r.ref));
  }

  /**
   * Adds packages to the device's pool; a new last-resort package replaces the old one.
   * False when one of them is stored already (a race with another upload of it).
   */
  async addKeyPackages(
    deviceId: string,
    packages: NewKeyPackage[],
    lastResort: NewKeyPackage | undefined,
    now: number,
  ): Promise<boolean> {
    const row = (p: NewKeyPackage, last: boolean) => ({
      id: p.id,
      device_id: deviceId,
      ref: p.ref,
      key_package: p.keyPackage,
      not_after: p.notAfter,
      last_resort: last ? 1 : 0,
      created_at: now,
    });
    try {
      if (lastResort) {
        await this.db
          .deleteFrom("key_packages")
          .where("device_id", "=", deviceId)
          .where("last_resort", "=", 1)
          .execute();
      }
      const rows = [
        ...packages.map((p) => row(p, false)),
        ...(lastResort ? [row(lastResort, true)] : []),
      ];
      if (rows.length > 0) await this.db.insertInto("key_packages").values(rows).execute();
      return true;
    } catch (err) {
      if (isUniqueViolation(err)) return false;
      throw err;
    }
  }

  /** Deletes the devices' packages whose lifetime has ended, last-resort ones included. */
  async removeExpired(deviceIds: string[], now: number): Promise<void> {
    if (deviceIds.length === 0) return;
    await this.db
      .deleteFrom("key_packages")
      .where("device_id", "in", deviceIds)
      .where("not_after", "<=", now)
      .execute();
  }

  /** Deletes every device's packages whose lifetime has ended; returns how many. */
  async removeAllExpired(now: number): Promise<number> {
    const result = await this.db
      .deleteFrom("key_packages")
      .where("not_after", "<=", now)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /**
   * Takes one key package of the device: the oldest unused one, deleted as it is read
   * (DELETE ... RETURNING, so a package goes to one claimer only, on either engine), or
   * else the last-resort package, which stays.
   */
  async claim(deviceId: string, now: number): Promise<ClaimedKeyPackage | undefined> {
    for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
      const next = await this.db
        .selectFrom("key_packages")
        .select("id")
        .where("device_id", "=", deviceId)
        .where("last_resort", "=", 0)
        .where("not_after", ">", now)
        .orderBy("created_at")
        .orderBy("id")
        .limit(1)
        .executeTakeFirst();
      if (!next) break;
      const taken = await this.db
        .deleteFrom("key_packages")
        .where("id", "=", next.id)
        .returning("key_package")
        .executeTakeFirst();
      if (taken) return { keyPackage: taken.key_package, lastResort: false };
    }
    const last = await this.lastResort(deviceId, now);
    return last === undefined ? undefined : { keyPackage: last, lastResort: true };
  }
}
