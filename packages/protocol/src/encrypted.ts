/**
 * End-to-end encrypted conversations on the wire (docs/E2EE.md): what a send carries and
 * what a message shows when its body is an MLS message (RFC 9420) rather than text.
 */
import { z } from "zod/mini";

/** The most people an encrypted group may have: each commit costs every device. */
export const MAX_ENCRYPTED_MEMBERS = 200;
/** The largest MLS message or welcome a send may carry, in bytes (before base64). */
export const MAX_MLS_BYTES = 256 * 1024;
/** The same bound on its base64url text. */
export const MAX_MLS_TEXT = Math.ceil((MAX_MLS_BYTES * 4) / 3);

/** base64url without padding (RFC 4648 §5), as key packages and MLS messages travel. */
export const base64Text = z
  .string()
  .check(z.minLength(2), z.maxLength(MAX_MLS_TEXT), z.regex(/^[A-Za-z0-9_-]+$/, "base64url text"));

/**
 * What a send into an encrypted conversation adds: its `body` is then the base64url of one
 * MLS message. A commit that adds devices carries their welcome beside it.
 */
export const mlsSend = z.strictObject({ welcome: z.optional(base64Text) });
export type MlsSend = z.infer<typeof mlsSend>;

/** The MLS content types the server orders (read from the message's clear header). */
export const mlsKind = z.enum(["application", "commit", "proposal"]);
export type MlsKind = z.infer<typeof mlsKind>;

/** What a message of an encrypted conversation shows beside its ciphertext `body`. */
export const mlsEnvelope = z
  .object({
    kind: mlsKind,
    /** The MLS epoch the message was made in. */
    epoch: z.number(),
    /** A commit that added devices: the welcome they join from (base64url). */
    welcome: z.optional(z.string()),
  })
  .register(z.globalRegistry, { id: "MlsEnvelope" });
export type MlsEnvelope = z.infer<typeof mlsEnvelope>;
