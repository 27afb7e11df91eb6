/**
 * The socket handshake rate: a token bucket per client address, checked before the token
 * is verified or the database is asked anything, so a flood of upgrades costs the server
 * next to nothing. Kept in this process's memory: what it protects is this node's own
 * CPU and database pool, and asking Redis first would be dearer than refusing.
 * An IPv6 client is counted by its /64 network, which one host usually holds whole.
 */
import { isIP } from "node:net";

export interface HandshakeLimitOptions {
  perSecond: number;
  burst: number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

// Buckets that have refilled are forgotten in sweeps, at least this often.
const SWEEP_EVERY = 1024;

/** The /64 network of an IPv6 address; any other address as it is. */
export function addressKey(address: string): string {
  if (isIP(address) !== 6 || address.toLowerCase().startsWith("::ffff:")) return address;
  const [head = "", tail] = address.split("::");
  const left = head === "" ? [] : head.split(":");
  const right = tail === undefined || tail === "" ? [] : tail.split(":");
  const groups =
    tail === undefined
      ? left
      : [
          ...left,
          ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill("0"),
          ...right,
        ];
  return `${groups
    .slice(0, 4)
    .map((g) => Number.parseInt(g, 16).toString(16))
    .join(":")}::/64`;
}

export class HandshakeLimit {
  private readonly buckets = new Map<string, Bucket>();
  private sinceSweep = 0;

  constructor(private readonly options: HandshakeLimitOptions) {}

  /** Takes one handshake for `address`: 0 when allowed, else the seconds to wait. */
  take(address: string, now = Date.now()): number {
    const key = addressKey(address);
    const { perSecond, burst } = this.options;
    const bucket = this.buckets.get(key) ?? { tokens: burst, updatedAt: now };
    bucket.tokens = Math.min(
      burst,
      bucket.tokens + (Math.max(0, now - bucket.updatedAt) / 1000) * perSecond,
    );
    bucket.updatedAt = now;
    if (!this.buckets.has(key)) {
      this.buckets.set(key, bucket);
      if (++this.sinceSweep >= SWEEP_EVERY) this.sweep(now);
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / perSecond));
  }

  /** Drops buckets that would be full by now: they hold nothing worth keeping. */
  private sweep(now: number): void {
    this.sinceSweep = 0;
    const { perSecond, burst } = this.options;
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + ((now - bucket.updatedAt) / 1000) * perSecond >= burst)
        this.buckets.delete(key);
    }
  }

  get size(): number {
    return this.buckets.size;
  }
}
