/**
 * How many sockets one user may hold open at once (`[limits] sockets_per_user`). A slot
 * is taken once the token is verified and before the socket costs anything more (its
 * rooms, its ready frame), and given back when the socket closes.
 *
 * Each process counts its own sockets. With Redis, the count is cluster-wide as well: a
 * sorted set per user holds one member per open socket, scored with the time its lease
 * runs out. A node renews its sockets' leases while they are open, so the slots of a node
 * that died without closing its sockets free themselves within a lease. If Redis cannot
 * be reached, the node's own count still holds (as the REST limit, the quota fails open
 * to the node's view rather than refusing every socket).
 */

import type { Redis } from "ioredis";
import type { Logger } from "pino";
import type { Config } from "../config/schema.js";
import { flatUuid } from "./flat-uuid.js";

/** A held slot; release() is idempotent. */
export interface SocketLease {
  release(): void;
}

export interface SocketQuota {
  /** A slot for one more socket of `userId`, or undefined when the user is at the cap. */
  acquire(userId: string): Promise<SocketLease | undefined>;
  /** Stops renewing leases (the node is stopping). */
  close(): void;
}

/** The count of one process's own sockets. */
export class LocalSocketQuota implements SocketQuota {
  private readonly open = new Map<string, number>();

  constructor(private readonly max: number) {}

  /** Synchronous, so two handshakes of one user can never both take the last slot. */
  take(userId: string): SocketLease | undefined {
    const count = this.open.get(userId) ?? 0;
    if (count >= this.max) return undefined;
    this.open.set(userId, count + 1);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        const left = (this.open.get(userId) ?? 1) - 1;
        if (left > 0) this.open.set(userId, left);
        else this.open.delete(userId);
      },
    };
  }

  async acquire(userId: string): Promise<SocketLease | undefined> {
    return this.take(userId);
  }

  close(): void {}
}

// Drops the leases that ran out, then adds one unless the user is at the cap.
const ACQUIRE_SCRIPT = `
local now = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[4])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]))
return 1
`;

export const LEASE_MS = 60_000;
const RENEW_MS = 20_000;

export interface RedisSocketQuotaOptions {
  redis: Redis;
  keyPrefix: string;
  max: number;
  onError: (err: unknown, context: string) => void;
  /** How long a slot outlives its node's last renewal (default 60 s). */
  leaseMs?: number;
}

/** The cluster-wide count, over Redis, on top of this process's own. */
export class RedisSocketQuota implements SocketQuota {
  private readonly local: LocalSocketQuota;
  /** userId -> the members this node holds for that user. */
  private readonly held = new Map<string, Set<string>>();
  private readonly renewer: NodeJS.Timeout;
  private readonly leaseMs: number;
  /** Set once the node stops: its sockets' last releases may race Redis's disconnect. */
  private closed = false;

  constructor(private readonly options: RedisSocketQuotaOptions) {
    this.local = new LocalSocketQuota(options.max);
    this.leaseMs = options.leaseMs ?? LEASE_MS;
    this.renewer = setInterval(() => this.renew(), Math.min(RENEW_MS, this.leaseMs / 3));
    this.renewer.unref();
  }

  private key(userId: string): string {
    return `${this.options.keyPrefix}sockets:${userId}`;
  }

  async acquire(userId: string): Promise<SocketLease | undefined> {
    const local = this.local.take(userId);
    if (!local) return undefined;
    const member = flatUuid();
    let admitted: unknown;
    try {
      admitted = await this.options.redis.eval(
        ACQUIRE_SCRIPT,
        1,
        this.key(userId),
        Date.now(),
        this.options.max,
        this.leaseMs,
        member,
      );
    } catch (err) {
      this.options.onError(err, "socket quota");
      return local;
    }
    if (admitted !== 1) {
      local.release();
      return undefined;
    }
    let members = this.held.get(userId);
    if (!members) {
      members = new Set();
      this.held.set(userId, members);
    }
    members.add(member);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        local.release();
        const set = this.held.get(userId);
        set?.delete(member);
        if (set?.size === 0) this.held.delete(userId);
        this.options.redis.zrem(this.key(userId), member).catch((err: unknown) => {
          // A slot whose release was lost frees itself when its lease runs out.
          if (!this.closed) this.options.onError(err, "socket quota");
        });
      },
    };
  }

  /** Pushes the lease of every socket this node holds forward. */
  private renew(): void {
    if (this.held.size === 0) return;
    const until = Date.now() + this.leaseMs;
    const pipeline = this.options.redis.pipeline();
    for (const [userId, members] of this.held) {
      const key = this.key(userId);
      // Without XX: a lease lost while Redis was away comes back.
      pipeline.zadd(key, ...[...members].flatMap((m) => [until, m]));
      pipeline.pexpire(key, this.leaseMs);
    }
    pipeline.exec().catch((err: unknown) => this.options.onError(err, "socket quota"));
  }

  close(): void {
    this.closed = true;
    clearInterval(this.renewer);
  }
}

/** The quota `config` asks for: cluster-wide with [redis], else this process's own. */
export function createSocketQuota(
  config: Config,
  redis: Redis | undefined,
  logger: Logger,
): SocketQuota {
  const max = config.limits.sockets_per_user;
  if (!redis) return new LocalSocketQuota(max);
  let lastLogged = 0;
  return new RedisSocketQuota({
    redis,
    keyPrefix: config.redis.key_prefix,
    max,
    // At most one line a minute while Redis is away.
    onError: (err) => {
      const now = Date.now();
      if (now - lastLogged < 60_000) return;
      lastLogged = now;
      logger.error({ err }, "socket quota: Redis unreachable; counting this node's sockets only");
    },
  });
}
