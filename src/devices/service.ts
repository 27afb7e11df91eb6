/**
 * Devices and their key-package pools (docs/E2EE.md): a person registers their devices
 * and uploads checked key packages for each; anyone who may look a person up claims one
 * package per device of theirs to add them to an encrypted group. People only: bots have
 * no devices (their tokens cannot reach these routes, and a bot is refused here too).
 */
import { randomUUID } from "node:crypto";
import {
  type CreateDeviceBody,
  DEVICES_MAX,
  type DeviceView,
  deviceIdentity,
  KEY_PACKAGES_LOW,
  KEY_PACKAGES_MAX,
  type KeyPackagesUploaded,
  type PublicDeviceView,
  type UploadKeyPackagesBody,
} from "@private-chat/protocol/devices";
import { MAX_ENCRYPTED_MEMBERS } from "@private-chat/protocol/encrypted";
import { AppError, notFound } from "../errors.js";
import type { DomainEvents } from "../events/bus.js";
import { writeWithEvents } from "../events/log.js";
import { TokenBucket } from "../realtime/token-bucket.js";
import type { DeviceWithPool, NewKeyPackage } from "../storage/devices.js";
import type { Store } from "../storage/store.js";
import { timeOrderedId } from "../storage/time-ordered-id.js";
import type { User } from "../storage/users.js";
import { checkKeyPackage, KeyPackageProblem } from "./key-package.js";
import { announceRemovals } from "./removal.js";

/**
 * Claims per person: enough to start the largest encrypted group at once (a claim takes
 * one package of each device of one person), and then one a second.
 */
export const CLAIM_BURST = MAX_ENCRYPTED_MEMBERS;
export const CLAIMS_PER_SECOND = 1;
/**
 * Claims of one person's packages by one claimer: a few at once (a group made, a device
 * added again after a fork), too few to drain that person's pools.
 */
export const SAME_PERSON_BURST = 10;
export const SAME_PERSON_PER_SECOND = 0.1;
const MAX_TRACKED_CLAIMERS = 10_000;

export interface ClaimedPackage {
  device_id: string;
  key_package: string;
  last_resort: boolean;
}

function view(device: DeviceWithPool): DeviceView {
  return {
    id: device.id,
    name: device.name,
    signature_key: device.signatureKey,
    created_at: device.createdAt,
    last_seen_at: device.lastSeenAt,
    unused_key_packages: device.unusedKeyPackages,
    has_last_resort: device.hasLastResort,
  };
}

function deviceName(name: string): string {
  const trimmed = name.trim();
  if (trimmed === "") throw new AppError("invalid_request", "a device needs a name");
  return trimmed;
}

function bad(index: number | "last_resort", reason: string): AppError {
  const where = index === "last_resort" ? "last_resort" : `key_packages[${index}]`;
  return new AppError("invalid_request", `${where}: ${reason}`, { field: where, reason });
}

export class DeviceService {
  private readonly claimers = new Map<string, TokenBucket>();
  private readonly pairs = new Map<string, TokenBucket>();

  constructor(
    private readonly store: Store,
    private readonly bus: DomainEvents,
  ) {}

  private person(user: User): void {
    if (user.isBot) throw new AppError("forbidden", "bots have no devices");
  }

  async register(user: User, body: CreateDeviceBody): Promise<DeviceView> {
    this.person(user);
    // Only the canonical spelling of the 32 bytes, so one key has one form to be unique in.
    const key = Buffer.from(body.signature_key, "base64url");
    if (key.length !== 32 || key.toString("base64url") !== body.signature_key) {
      throw new AppError("invalid_request", "signature_key must be 32 bytes in base64url");
    }
    const now = Date.now();
    const device = {
      id: randomUUID(),
      userId: user.id,
      name: deviceName(body.name),
      signatureKey: body.signature_key,
      createdAt: now,
      lastSeenAt: now,
    };
    await this.store.transaction(async (tx) => {
      await tx.devices.lockOwner(user.id);
      if ((await tx.devices.countOf(user.id)) >= DEVICES_MAX) {
        throw new AppError(
          "conflict",
          `a person may have at most ${DEVICES_MAX} devices: remove one first`,
        );
      }
      if (!(await tx.devices.create(device))) {
        throw new AppError("conflict", "this signature key belongs to a device already");
      }
    });
    return view({ ...device, unusedKeyPackages: 0, hasLastResort: false });
  }

  async list(user: User): Promise<DeviceView[]> {
    this.person(user);
    const devices = await this.store.devices.of(user.id);
    return (await this.store.devices.withPools(devices, Date.now())).map(view);
  }

  async rename(user: User, id: string, name: string): Promise<DeviceView> {
    this.person(user);
    if (!(await this.store.devices.rename(user.id, id, deviceName(name)))) throw notFound("device");
    const device = await this.store.devices.ofUser(user.id, id);
    if (!device) throw notFound("device");
    const [shown] = await this.store.devices.withPools([device], Date.now());
    if (!shown) throw notFound("device");
    return view(shown);
  }

  /**
   * Removes a device and its key packages; each encrypted conversation of its owner hears
   * of it, so that a member's device commits its removal from the group (docs/E2EE.md).
   */
  async remove(user: User, id: string): Promise<void> {
    this.person(user);
    await writeWithEvents(this.store, this.bus, async (tx, log) => {
      if (!(await tx.devices.remove(user.id, id))) throw notFound("device");
      await announceRemovals(tx, log, user.id, [id]);
    });
  }

  async upload(user: User, id: string, body: UploadKeyPackagesBody): Promise<KeyPackagesUploaded> {
    this.person(user);
    const device = await this.store.devices.ofUser(user.id, id);
    if (!device) throw notFound("device");
    const now = Date.now();
    const expected = {
      signatureKey: Buffer.from(device.signatureKey, "base64url"),
      identity: deviceIdentity(user.id, device.id),
    };
    const check = async (encoded: string, index: number | "last_resort") => {
      try {
        const bytes = Buffer.from(encoded, "base64url");
        const checked = await checkKeyPackage(bytes, expected, now);
        // Time-ordered, so that claims hand out a batch in the order it was uploaded.
        return { id: timeOrderedId(), keyPackage: encoded, ...checked };
      } catch (err) {
        if (err instanceof KeyPackageProblem) throw bad(index, err.message);
        throw err;
      }
    };
    const packages: NewKeyPackage[] = [];
    for (const [index, encoded] of body.key_packages.entries()) {
      packages.push(await check(encoded, index));
    }
    const lastResort =
      body.last_resort === undefined ? undefined : await check(body.last_resort, "last_resort");
    const all = [...packages, ...(lastResort ? [lastResort] : [])];
    const seen = new Set<string>();
    const known = await this.store.devices.knownRefs(all.map((p) => p.ref));
    for (const [index, p] of all.entries()) {
      const where = index < packages.length ? index : "last_resort";
      if (seen.has(p.ref) || known.has(p.ref)) throw bad(where, "it was uploaded already");
      seen.add(p.ref);
    }
    return this.store.transaction(async (tx) => {
      // First, so that concurrent uploads to this device take turns (see touch()).
      await tx.devices.touch(device.id, now);
      // The device's packages past their lifetime go now, not only when someone claims.
      await tx.devices.removeExpired([device.id], now);
      const unused = await tx.devices.unusedCount(device.id, now);
      if (unused + packages.length > KEY_PACKAGES_MAX) {
        throw new AppError(
          "invalid_request",
          `a device may have at most ${KEY_PACKAGES_MAX} unused key packages; it has ${unused} and this adds ${packages.length}`,
          { field: "key_packages", reason: "too many" },
        );
      }
      if (!(await tx.devices.addKeyPackages(device.id, packages, lastResort, now))) {
        throw new AppError("invalid_request", "a key package was uploaded already");
      }
      return {
        unused_key_packages: unused + packages.length,
        has_last_resort:
          lastResort !== undefined || (await tx.devices.hasLastResort(device.id, now)),
      };
    });
  }

  /** The person another one looks up: as GET /users/{id} answers it, 404 or found. */
  private async visible(userId: string): Promise<User> {
    const user = await this.store.users.byId(userId);
    if (!user || user.disabled) throw notFound("user");
    return user;
  }

  async publicDevices(viewer: User, userId: string): Promise<PublicDeviceView[]> {
    this.person(viewer);
    const user = await this.visible(userId);
    return (await this.store.devices.of(user.id)).map((d) => ({
      id: d.id,
      name: d.name,
      signature_key: d.signatureKey,
      created_at: d.createdAt,
    }));
  }

  /**
   * One key package of each of the person's devices (or of `deviceId` alone), each taken
   * atomically (so none goes to two claimers); packages past their lifetime are deleted
   * on the way.
   */
  async claim(claimer: User, userId: string, deviceId?: string): Promise<ClaimedPackage[]> {
    this.person(claimer);
    this.spendClaim(this.claimers, claimer.id, CLAIM_BURST, CLAIMS_PER_SECOND);
    this.spendClaim(
      this.pairs,
      `${claimer.id}:${userId}`,
      SAME_PERSON_BURST,
      SAME_PERSON_PER_SECOND,
    );
    const user = await this.visible(userId);
    if (user.id !== claimer.id && (await this.store.blocks.between(claimer.id, user.id))) {
      throw new AppError("not_accepting", "this person cannot be added by you");
    }
    const devices = (await this.store.devices.of(user.id)).filter(
      (d) => deviceId === undefined || d.id === deviceId,
    );
    const now = Date.now();
    await this.store.devices.removeExpired(
      devices.map((d) => d.id),
      now,
    );
    const claimed: ClaimedPackage[] = [];
    const low: { device_id: string; remaining: number }[] = [];
    for (const device of devices) {
      const taken = await this.store.devices.claim(device.id, now);
      if (!taken) continue;
      claimed.push({
        device_id: device.id,
        key_package: taken.keyPackage,
        last_resort: taken.lastResort,
      });
      // Told on each claim while low, not only when crossing the line: a device that was
      // offline then finds the newest count in its sync.
      if (!taken.lastResort) {
        const remaining = await this.store.devices.unusedCount(device.id, now);
        if (remaining < KEY_PACKAGES_LOW) low.push({ device_id: device.id, remaining });
      }
    }
    if (low.length > 0) await this.tellLow(user.id, low);
    return claimed;
  }

  private async tellLow(
    ownerId: string,
    low: { device_id: string; remaining: number }[],
  ): Promise<void> {
    await writeWithEvents(this.store, this.bus, async (_tx, log) => {
      for (const { device_id, remaining } of low) {
        await log.append(
          { type: "device.key_packages_low", conversation_id: null, device_id, remaining },
          { userId: ownerId },
        );
      }
    });
  }

  /** A token bucket per claimer (or pair), in this process (as the webhooks' limit is). */
  private spendClaim(
    buckets: Map<string, TokenBucket>,
    key: string,
    burst: number,
    perSecond: number,
    now = Date.now(),
  ): void {
    let bucket = buckets.get(key);
    if (!bucket) {
      // Past this many on one node, the longest known is forgotten (its bucket starts
      // full again): memory stays bounded whoever claims.
      const oldest = buckets.keys().next().value;
      if (buckets.size >= MAX_TRACKED_CLAIMERS && oldest) buckets.delete(oldest);
      bucket = new TokenBucket(burst, perSecond, now);
      buckets.set(key, bucket);
    }
    if (!bucket.take(now)) {
      throw new AppError(
        "rate_limited",
        `at most ${burst} key-package claims at once, then one every ${1 / perSecond} s`,
        undefined,
        Math.ceil(1 / perSecond),
      );
    }
  }
}
