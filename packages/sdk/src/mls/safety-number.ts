/**
 * The safety number two people compare to know that nobody, the server included, put a
 * device between them (docs/E2EE.md#verification). Built as Signal's numeric fingerprint
 * is, over every device of each person instead of one identity key: each person's half is
 * 30 digits from 5200 rounds of SHA-512 over their devices' signature keys (sorted, so
 * the order the server lists them in does not matter) and their user id; the number is
 * the two halves, the smaller first, so both people see the same 60 digits. A device
 * added or removed on either side changes it.
 */
import { sha512 } from "@noble/hashes/sha2.js";

/** One side: a person and the public signature keys of all their devices. */
export interface SafetyParty {
  userId: string;
  signatureKeys: readonly Uint8Array[];
}

const ITERATIONS = 5200;
/** Not Signal's version (0): the input is a set of devices, not one identity key. */
const VERSION = new Uint8Array([0, 1]);
const encoder = new TextEncoder();

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/**
 * One person's 30 digits. SHA-512 from @noble/hashes (already under ts-mls), not Web
 * Crypto: 5200 awaited digests take a second, 5200 synchronous ones a few milliseconds,
 * and Web Crypto is missing from a page served over plain HTTP.
 */
function half(party: SafetyParty): string {
  if (party.signatureKeys.length === 0)
    throw new RangeError("a person with no device has no safety number");
  const keys = concat([...party.signatureKeys].sort(compareBytes));
  let hash = sha512(concat([VERSION, keys, encoder.encode(party.userId)]));
  for (let i = 0; i < ITERATIONS; i++) hash = sha512(concat([hash, keys]));
  let digits = "";
  for (let chunk = 0; chunk < 6; chunk++) {
    // Five bytes as a big-endian number (below 2^40, exact in a double), kept to 5 digits.
    let value = 0;
    for (const byte of hash.subarray(chunk * 5, chunk * 5 + 5)) value = value * 256 + byte;
    digits += String(value % 100_000).padStart(5, "0");
  }
  return digits;
}

/** The 60 digits two people see alike. */
export function safetyNumber(a: SafetyParty, b: SafetyParty): string {
  const [first, second] = [half(a), half(b)].sort();
  return `${first}${second}`;
}

/** The digits in groups of five, `perLine` groups a line, as people read them out. */
export function safetyNumberLines(digits: string, perLine = 4): string[] {
  const groups = digits.match(/\d{1,5}/g) ?? [];
  const lines: string[] = [];
  for (let i = 0; i < groups.length; i += perLine)
    lines.push(groups.slice(i, i + perLine).join(" "));
  return lines;
}
