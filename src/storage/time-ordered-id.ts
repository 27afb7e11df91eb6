/**
 * UUIDv7 (RFC 9562) message ids: the first 48 bits are the creation time in ms, so new
 * ids land at the right edge of an index instead of dirtying a random page per insert.
 * Within one millisecond a counter in the 12 `rand_a` bits keeps ids increasing.
 */
import { randomUUID } from "node:crypto";

let lastMs = 0;
let counter = 0;

export function timeOrderedId(now = Date.now()): string {
  if (now > lastMs) {
    lastMs = now;
    counter = 0;
  } else if (++counter > 0xfff) {
    // More than 4,096 ids in one ms: borrow the next ms rather than repeat an order.
    lastMs += 1;
    counter = 0;
  }
  const time = lastMs.toString(16).padStart(12, "0");
  // randomUUID's last 17 characters hold the variant and 62 random bits.
  const tail = randomUUID().slice(19);
  return `${time.slice(0, 8)}-${time.slice(8)}-7${counter.toString(16).padStart(3, "0")}-${tail}`;
}
