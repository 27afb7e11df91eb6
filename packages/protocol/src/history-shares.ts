/**
 * History shared from one of a person's devices to another (docs/E2EE.md, "History on a
 * new device", "Sharing from a device"): a small mailbox on the server, per device, of
 * sealed archives that only the person's own devices reach. The archive is sealed on the
 * sending device with a fresh AES-256-GCM key, that key sealed with HPKE to the init key
 * of one of the target device's key packages, and the whole signed with the sending
 * device's signature key: the server holds ciphertext and sizes only, and cannot forge
 * a share. Binary values travel as base64url without padding.
 */
import { z } from "zod/mini";
import { encryptedContent } from "./encrypted-content.js";

/** The most sealed archive one share holds, in bytes (inside the default body limit). */
export const HISTORY_SHARE_MAX_BYTES = 512 * 1024;
/** Shares that may wait for one device at once. */
export const HISTORY_SHARES_PENDING_MAX = 32;
/** How long a share waits for its device before the retention sweep removes it. */
export const HISTORY_SHARE_TTL_MS = 7 * 24 * 3600 * 1000;

const b64url = (minChars: number, maxChars: number) =>
  z
    .string()
    .check(
      z.minLength(minChars),
      z.maxLength(maxChars),
      z.regex(/^[A-Za-z0-9_-]*$/, "base64url text"),
    );
const deviceId = z.string().check(z.minLength(1), z.maxLength(64));

/** `POST /api/v1/devices/{id}/history-shares`: a share for the device `{id}`. */
export const createHistoryShareBody = z.strictObject({
  /** The caller's device that sealed and signed it. */
  from_device_id: deviceId,
  /** The KeyPackageRef (RFC 9420, §5.2) of the target's package sealed to: 32 bytes. */
  key_package_ref: b64url(43, 43),
  /** HPKE's encapsulated key (X25519: 32 bytes). */
  enc: b64url(43, 43),
  /** The archive's AES-256-GCM key sealed with HPKE: 32 bytes and a 16-byte tag. */
  wrapped_key: b64url(64, 64),
  /** The archive: nonce, ciphertext and tag. */
  archive: b64url(38, Math.ceil((HISTORY_SHARE_MAX_BYTES * 4) / 3)),
  /** Ed25519 over the share (docs/API.md, "History shares"): 64 bytes. */
  signature: b64url(86, 86),
});
export type CreateHistoryShareBody = z.infer<typeof createHistoryShareBody>;

/** A share as it waits, without its bytes. */
export const historyShareEntry = z.object({
  id: z.string(),
  from_device_id: z.string(),
  to_device_id: z.string(),
  /** The sealed archive's size in bytes (decoded). */
  bytes: z.number(),
  created_at: z.number(),
  expires_at: z.number(),
});
export type HistoryShareEntry = z.infer<typeof historyShareEntry>;

export const historySharesResponse = z.object({ shares: z.array(historyShareEntry) });
export type HistorySharesResponse = z.infer<typeof historySharesResponse>;

/** One share with everything the target device needs to check and open it. */
export const historyShareView = z.object({
  ...historyShareEntry.shape,
  key_package_ref: z.string(),
  enc: z.string(),
  wrapped_key: z.string(),
  archive: z.string(),
  signature: z.string(),
});
export type HistoryShareView = z.infer<typeof historyShareView>;

export const historyShareParams = z.strictObject({
  id: deviceId,
  share_id: z.string().check(z.minLength(1), z.maxLength(64)),
});
export type HistoryShareParams = z.infer<typeof historyShareParams>;

/** A message as the archive carries it: one the sending device opened or sent. */
export const sharedMessage = z.object({
  text: z.string(),
  device_id: z.string(),
  user_id: z.optional(z.string()),
  content: z.optional(
    z.union([encryptedContent, z.object({ kind: z.literal("unknown"), type: z.string() })]),
  ),
});
export type SharedMessage = z.infer<typeof sharedMessage>;

/** The archive's plaintext (JSON): by conversation id, that device's messages by seq. */
export const historyArchive = z.object({
  v: z.literal(1),
  conversations: z.record(z.string(), z.record(z.string(), sharedMessage)),
});
export type HistoryArchive = z.infer<typeof historyArchive>;
