/**
 * What clients show in place of an encrypted message's ciphertext (docs/E2EE.md), apart
 * from encrypted.ts so that the schemas do not load the markup parser.
 */
import type { MlsEnvelope } from "./encrypted.js";
import { plainText } from "./markup.js";

/**
 * What a client shows for an encrypted message it cannot open (a client without the
 * device's keys), so that ciphertext never reaches the screen as text.
 */
export function sealedText(mls: MlsEnvelope): string {
  return mls.kind === "application"
    ? "🔒 Encrypted message: this client cannot open it"
    : "🔒 The conversation's encryption keys changed";
}

/** A message's words as a line of text shows them: its text, or what stands for ciphertext. */
export function shownText(message: { body: string; mls?: MlsEnvelope | undefined }): string {
  return message.mls ? sealedText(message.mls) : plainText(message.body);
}
