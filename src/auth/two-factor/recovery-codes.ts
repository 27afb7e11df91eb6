/**
 * Recovery codes: ten random codes shown once, each signing in once when the phone or the
 * security key is lost. 60 bits each (12 characters of a 32-letter alphabet without
 * look-alikes) under the sign-in throttle: a SHA-256 hash is enough to keep them, as for
 * access tokens, and checking one costs no argon2 work.
 */
import { randomInt } from "node:crypto";
import { RECOVERY_CODE_COUNT } from "@private-chat/protocol/two-factor";
import { hashSecret } from "../access-tokens.js";

// Crockford's base32 letters: no i, l, o or u to misread.
const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";

function newCode(): string {
  let text = "";
  for (let i = 0; i < 12; i++) text += ALPHABET[randomInt(ALPHABET.length)];
  return `${text.slice(0, 4)}-${text.slice(4, 8)}-${text.slice(8)}`;
}

export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, newCode);
}

/** The hash a code is kept as, whatever its case and dashes or spaces. */
export function recoveryCodeHash(code: string): string {
  return hashSecret(code.toLowerCase().replace(/[\s-]+/g, ""));
}
