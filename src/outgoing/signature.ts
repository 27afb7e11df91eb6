/**
 * How a receiver knows a request came from this server: HMAC-SHA256 over the timestamp,
 * a dot and the body, with the subscription's or command's secret. The timestamp lets a
 * receiver refuse old requests replayed at it.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import {
  EVENT_ID_HEADER,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
} from "@private-chat/protocol/outgoing";

export function signature(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

/** Whether `header` is the signature of `body` at `timestamp` (what a receiver checks). */
export function verifySignature(
  secret: string,
  timestamp: number,
  body: string,
  header: string,
): boolean {
  const expected = Buffer.from(signature(secret, timestamp, body));
  const given = Buffer.from(header);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** The headers of a signed POST of `body`. */
export function signedHeaders(
  secret: string,
  body: string,
  eventId: string,
  now = Date.now(),
): Record<string, string | number> {
  const timestamp = Math.floor(now / 1000);
  return {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
    "user-agent": "PrivateChat-Hooks/1",
    [TIMESTAMP_HEADER]: timestamp,
    [SIGNATURE_HEADER]: signature(secret, timestamp, body),
    [EVENT_ID_HEADER]: eventId,
  };
}
