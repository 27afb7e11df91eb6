/**
 * The key backup of end-to-end encryption (/api/v1/key-backup), reached as
 * `client.keyBackup`: the caller's wrapped backup key and the encrypted chunks of history
 * their devices keep under it. The server sees ciphertext only; sealing and opening are
 * in `@private-chat/sdk/mls` (key-backup.ts).
 */
import {
  type ChunksResponse,
  type ChunkView,
  chunksResponse,
  chunkView,
  type KeyBackupView,
  keyBackupView,
  type PutKeyBackupBody,
} from "@private-chat/protocol/key-backup";
import { ApiError } from "./errors.js";
import type { RestTransport } from "./transport.js";

const enc = encodeURIComponent;

export class KeyBackupCalls {
  constructor(private readonly rest: RestTransport) {}

  /** The caller's backup key, wrapped, with how many chunks and bytes it holds; none: undefined. */
  async get(): Promise<KeyBackupView | undefined> {
    try {
      return await this.rest.request("GET", "/api/v1/key-backup", keyBackupView);
    } catch (err) {
      if (err instanceof ApiError && err.code === "not_found") return undefined;
      throw err;
    }
  }

  /** Sets the wrapped key, or replaces it, whatever is there: create() and replace() check. */
  put(body: PutKeyBackupBody): Promise<KeyBackupView> {
    return this.rest.request("PUT", "/api/v1/key-backup", keyBackupView, body);
  }

  /**
   * Sets up the backup only if the caller has none (`If-None-Match: *`): two devices
   * setting up at once cannot replace each other's key. One there already: an ApiError
   * `precondition_failed` (412).
   */
  async create(body: PutKeyBackupBody): Promise<KeyBackupView> {
    const { value } = await this.rest.requestWithStatus(
      "PUT",
      "/api/v1/key-backup",
      keyBackupView,
      body,
      { "if-none-match": "*" },
    );
    return value;
  }

  /**
   * Replaces the wrapped key (a new passphrase over the same backup key: the chunks stay)
   * only while it is still `version`, the one read (`If-Match`). Changed or removed
   * meanwhile: an ApiError `precondition_failed` (412).
   */
  async replace(version: string, body: PutKeyBackupBody): Promise<KeyBackupView> {
    const { value } = await this.rest.requestWithStatus(
      "PUT",
      "/api/v1/key-backup",
      keyBackupView,
      body,
      { "if-match": `"${version}"` },
    );
    return value;
  }

  /** Removes the backup: the wrapped key and every chunk. */
  async remove(): Promise<void> {
    await this.rest.call("DELETE", "/api/v1/key-backup");
  }

  /** One page of chunk ids, in byte order after `after`. */
  chunks(after?: string, limit?: number): Promise<ChunksResponse> {
    const query = new URLSearchParams();
    if (after !== undefined) query.set("after", after);
    if (limit !== undefined) query.set("limit", String(limit));
    const qs = query.size > 0 ? `?${query}` : "";
    return this.rest.request("GET", `/api/v1/key-backup/chunks${qs}`, chunksResponse);
  }

  /** Every chunk id, page after page. */
  async allChunks(): Promise<ChunksResponse["chunks"]> {
    const all: ChunksResponse["chunks"] = [];
    let after: string | undefined;
    for (;;) {
      const page = await this.chunks(after);
      all.push(...page.chunks);
      if (page.next === undefined) return all;
      after = page.next;
    }
  }

  getChunk(id: string): Promise<ChunkView> {
    return this.rest.request("GET", `/api/v1/key-backup/chunks/${enc(id)}`, chunkView);
  }

  /** Creates or replaces a chunk: base64url of its ciphertext. */
  async putChunk(id: string, data: string): Promise<void> {
    await this.rest.call("PUT", `/api/v1/key-backup/chunks/${enc(id)}`, { data });
  }

  async removeChunk(id: string): Promise<void> {
    await this.rest.call("DELETE", `/api/v1/key-backup/chunks/${enc(id)}`);
  }
}
