/**
 * Secrets the server keeps away from its own hands: providers' refresh tokens at rest (a
 * copy of the database alone does not give them away), and the provider's device code
 * inside the handle the terminal client polls with. Sealed as a JWE (dir, A256GCM, by
 * jose) under a key derived from the JWT secret with HKDF, one key per purpose so that
 * what is sealed for one cannot be passed off as the other. Opened with the current
 * secret or any previous one; a value none of them opens (the secret was replaced) is
 * unknown, which never counts as "removed".
 */
import { hkdfSync } from "node:crypto";
import { CompactEncrypt, compactDecrypt } from "jose";
import type { JwtSecrets } from "../config/secrets.js";

/** What a seal is for: the HKDF info its key is derived with. */
export const SEAL_PURPOSE = {
  refreshToken: "oidc refresh token sealing",
  deviceSignIn: "oidc device sign-in",
} as const;

function keyOf(secret: string, purpose: string): Uint8Array {
  return new Uint8Array(hkdfSync("sha256", secret, "private-chat", purpose, 32));
}

export class Seal {
  private readonly sealing: Uint8Array;
  private readonly opening: Uint8Array[];

  constructor(secrets: JwtSecrets, purpose: (typeof SEAL_PURPOSE)[keyof typeof SEAL_PURPOSE]) {
    this.sealing = keyOf(secrets.current, purpose);
    this.opening = [secrets.current, ...secrets.previous].map((s) => keyOf(s, purpose));
  }

  seal(value: string): Promise<string> {
    return new CompactEncrypt(new TextEncoder().encode(value))
      .setProtectedHeader({ alg: "dir", enc: "A256GCM" })
      .encrypt(this.sealing);
  }

  async open(sealed: string): Promise<string | undefined> {
    for (const key of this.opening) {
      try {
        const { plaintext } = await compactDecrypt(sealed, key);
        return new TextDecoder().decode(plaintext);
      } catch {
        // Sealed under another secret: try the next.
      }
    }
    return undefined;
  }
}
