/**
 * Providers' refresh tokens at rest: sealed as a JWE (dir, A256GCM, by jose) under a key
 * derived from the JWT secret with HKDF, so that a copy of the database alone does not
 * give them away. Opened with the current secret or any previous one; a token none of
 * them opens (the secret was replaced) is unknown, which never counts as "removed".
 */
import { hkdfSync } from "node:crypto";
import { CompactEncrypt, compactDecrypt } from "jose";
import type { JwtSecrets } from "../config/secrets.js";

function keyOf(secret: string): Uint8Array {
  return new Uint8Array(
    hkdfSync("sha256", secret, "private-chat", "oidc refresh token sealing", 32),
  );
}

export class RefreshTokenSeal {
  private readonly sealing: Uint8Array;
  private readonly opening: Uint8Array[];

  constructor(secrets: JwtSecrets) {
    this.sealing = keyOf(secrets.current);
    this.opening = [secrets.current, ...secrets.previous].map(keyOf);
  }

  seal(token: string): Promise<string> {
    return new CompactEncrypt(new TextEncoder().encode(token))
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
