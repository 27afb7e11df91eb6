/**
 * Blobs in an S3-compatible bucket (AWS S3, MinIO, Garage, Ceph...), under the same
 * content-addressed names as the local store. The bytes must match their name before any
 * reaches the bucket, so a blob is first spooled (and hashed) to a private local file,
 * then uploaded whole.
 */
import { randomUUID } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { S3Client } from "@aws-sdk/client-s3";
import {
  assertKey,
  BlobMismatch,
  type BlobStore,
  type ByteRange,
  type StoredBlob,
  sha256OfName,
} from "./blob-store.js";
import { hashingCounter } from "./content-hash.js";
import { createPrivateFile } from "./private-file.js";

export interface S3StoreOptions {
  endpoint: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  forcePathStyle: boolean;
  /** A private local directory for spooling uploads. */
  spoolDir: string;
}

type Sdk = typeof import("@aws-sdk/client-s3");

/** A failure on the storage side (5xx) that the same request may not meet again. */
function isServerFailure(err: unknown): boolean {
  const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return status !== undefined && status >= 500;
}

// The SDK retries failed requests itself, but not a PutObject whose body is a stream it
// has already read: the store retries those with a fresh stream from the spool file.
const PUT_ATTEMPTS = 3;
const PUT_RETRY_DELAY_MS = 50;

function isMissing(err: unknown): boolean {
  const failure = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return (
    failure.name === "NoSuchKey" ||
    failure.name === "NotFound" ||
    failure.$metadata?.httpStatusCode === 404
  );
}

export class S3BlobStore implements BlobStore {
  // The SDK is large: it is loaded on first use, so servers storing files locally never pay for it.
  private connection: Promise<{ sdk: Sdk; client: S3Client }> | undefined;

  constructor(private readonly options: S3StoreOptions) {}

  private connect(): Promise<{ sdk: Sdk; client: S3Client }> {
    this.connection ??= import("@aws-sdk/client-s3").then((sdk) => {
      const { options } = this;
      const client = new sdk.S3Client({
        region: options.region,
        forcePathStyle: options.forcePathStyle,
        // Default checksums send bodies aws-chunked, which many S3-compatible servers
        // store verbatim (framing and all): checksum only where the API demands it.
        requestChecksumCalculation: "WHEN_REQUIRED",
        responseChecksumValidation: "WHEN_REQUIRED",
        ...(options.endpoint ? { endpoint: options.endpoint } : {}),
        // Empty keys fall back to the SDK's usual chain (environment, instance role).
        ...(options.accessKeyId
          ? {
              credentials: {
                accessKeyId: options.accessKeyId,
                secretAccessKey: options.secretAccessKey,
              },
            }
          : {}),
      });
      return { sdk, client };
    });
    return this.connection;
  }

  private objectKey(name: string): string {
    assertKey(name);
    return `blobs/${name.slice(0, 2)}/${name}`;
  }

  async put(name: string, source: Readable): Promise<StoredBlob> {
    const key = this.objectKey(name);
    await mkdir(this.options.spoolDir, { recursive: true, mode: 0o700 });
    const spool = join(this.options.spoolDir, `${randomUUID()}.s3`);
    const counter = hashingCounter();
    try {
      await pipeline(source, counter, await createPrivateFile(spool));
      const stored = counter.digest();
      if (stored.sha256 !== sha256OfName(name)) throw new BlobMismatch(name, stored.sha256);
      // The same content uploaded twice at once is sent once: the second waits for the first.
      for (let busy = this.sending.get(name); busy; busy = this.sending.get(name)) {
        await busy.catch(() => {});
      }
      const sending = this.send(name, key, spool, stored.size);
      this.sending.set(name, sending);
      try {
        await sending;
      } finally {
        if (this.sending.get(name) === sending) this.sending.delete(name);
      }
      return stored;
    } finally {
      await rm(spool, { force: true });
    }
  }

  private readonly sending = new Map<string, Promise<void>>();

  private async send(name: string, key: string, spool: string, size: number): Promise<void> {
    // The caller holds a reference to this blob, so bytes already there stay: skip them.
    if (await this.exists(name)) return;
    const { sdk, client } = await this.connect();
    for (let attempt = 1; ; attempt++) {
      try {
        await client.send(
          new sdk.PutObjectCommand({
            Bucket: this.options.bucket,
            Key: key,
            Body: createReadStream(spool),
            ContentLength: size,
            ContentType: "application/octet-stream",
          }),
        );
        return;
      } catch (err) {
        if (attempt >= PUT_ATTEMPTS || !isServerFailure(err)) throw err;
        await new Promise((resolve) => setTimeout(resolve, PUT_RETRY_DELAY_MS * attempt));
      }
    }
  }

  async get(name: string, range?: ByteRange): Promise<Readable | undefined> {
    const { sdk, client } = await this.connect();
    try {
      const result = await client.send(
        new sdk.GetObjectCommand({
          Bucket: this.options.bucket,
          Key: this.objectKey(name),
          ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}),
        }),
      );
      const body = result.Body;
      if (body instanceof Readable) return body;
      if (body === undefined) return Readable.from([]);
      return Readable.from(Buffer.from(await body.transformToByteArray()));
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }

  async size(name: string): Promise<number | undefined> {
    const { sdk, client } = await this.connect();
    try {
      const head = await client.send(
        new sdk.HeadObjectCommand({ Bucket: this.options.bucket, Key: this.objectKey(name) }),
      );
      return head.ContentLength ?? 0;
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }

  async exists(name: string): Promise<boolean> {
    return (await this.size(name)) !== undefined;
  }

  async delete(name: string): Promise<void> {
    const { sdk, client } = await this.connect();
    await client.send(
      new sdk.DeleteObjectCommand({ Bucket: this.options.bucket, Key: this.objectKey(name) }),
    );
  }

  async close(): Promise<void> {
    if (this.connection) (await this.connection).client.destroy();
  }
}
