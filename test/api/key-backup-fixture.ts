/**
 * Key backups for the key-backup suites: a wrapped key and chunks as a device would send
 * them (random bytes: the server sees nothing else), the calls over REST, and ways to
 * spell base64url wrong.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import type { PutKeyBackupBody } from "@private-chat/protocol/key-backup";
import type { TestUser } from "../helpers/factories.js";
import type { client } from "../helpers/http.js";
import { V1 } from "./conversations-fixture.js";

export { V1 };

export const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64url");

/** A wrapped key under a fresh salt, with OWASP's smallest argon2id cost. */
export function backupBody(): PutKeyBackupBody {
  return {
    kdf: {
      algorithm: "argon2id",
      memory_kib: 19_456,
      iterations: 2,
      parallelism: 1,
      salt: b64(randomBytes(16)),
    },
    wrapped_key: b64(randomBytes(60)),
  };
}

/** A chunk's ciphertext of `bytes` random bytes, base64url. */
export const chunkData = (bytes = 64) => b64(randomBytes(bytes));

/** A chunk id as a device derives one: 32 random bytes, 43 characters. */
export const chunkId = () => b64(randomBytes(32));

/**
 * The same bytes spelled with stray bits in the last character: decoders accept it, the
 * server must not (one value, one form). `text` must not be a multiple of 4 long.
 */
export function nonCanonical(text: string): string {
  const bytes = Buffer.from(text, "base64url");
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  for (const c of alphabet) {
    const other = `${text.slice(0, -1)}${c}`;
    if (other !== text && Buffer.from(other, "base64url").equals(bytes)) return other;
  }
  throw new Error(`${text} has no other spelling`);
}

export function keyBackupCalls(api: ReturnType<typeof client>) {
  const as = (user: TestUser) => ({ token: user.token });
  const chunkPath = (id: string) => `${V1}/key-backup/chunks/${encodeURIComponent(id)}`;
  return {
    get: (user: TestUser) => api.get(`${V1}/key-backup`, as(user)),
    put: (user: TestUser, body: unknown = backupBody()) =>
      api.put(`${V1}/key-backup`, body, as(user)),
    remove: (user: TestUser) => api.delete(`${V1}/key-backup`, as(user)),
    /** Sets up a backup, which must be new. */
    async setUp(user: TestUser) {
      const res = await api.put(`${V1}/key-backup`, backupBody(), as(user));
      assert.equal(res.status, 201, res.text);
      return res.body;
    },
    putChunk: (user: TestUser, id: string, data: unknown) =>
      api.put(chunkPath(id), typeof data === "string" ? { data } : data, as(user)),
    getChunk: (user: TestUser, id: string) => api.get(chunkPath(id), as(user)),
    removeChunk: (user: TestUser, id: string) => api.delete(chunkPath(id), as(user)),
    list: (user: TestUser, query = "") => api.get(`${V1}/key-backup/chunks${query}`, as(user)),
  };
}
