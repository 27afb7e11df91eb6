/**
 * The previous encrypted backup format (`.db.enc`, database only), kept so backups made
 * before backups moved to age (age-files.ts, backup-set.ts) still restore; chat-server no
 * longer writes it (encryptBackup stays for the tests that make such files). A key is
 * derived from the passphrase with scrypt (random salt) and the database image is sealed
 * with AES-256-GCM. The file is a 56-byte header, then the
 * ciphertext (as long as the database image):
 *
 *   offset  bytes  field
 *        0      8  magic "CHATBKP\0"
 *        8      1  format version (1)
 *        9      1  scrypt log2(N)
 *       10      1  scrypt r
 *       11      1  scrypt p
 *       12     16  scrypt salt
 *       28     12  GCM nonce
 *       40     16  GCM tag
 *
 * Bytes 0-39 are authenticated as additional data, so the cost parameters cannot be
 * altered without the tag failing.
 */
import { createCipheriv, createDecipheriv, randomBytes, scrypt } from "node:crypto";
import { BackupError } from "./backup-error.js";

export const BACKUP_MAGIC = Buffer.from("CHATBKP\0", "latin1");
export const FORMAT_VERSION = 1;

const HEADER_BYTES = 56;
const AAD_BYTES = 40;
const SALT_OFFSET = 12;
const NONCE_OFFSET = 28;
const TAG_OFFSET = 40;
const SALT_BYTES = 16;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
/** Each cipher update stays well below OpenSSL's 2 GiB-per-call limit. */
const SLICE_BYTES = 64 * 1024 * 1024;

export interface ScryptCost {
  log2N: number;
  r: number;
  p: number;
}

/** About 128 MiB of memory and a fraction of a second per derivation. */
export const DEFAULT_COST: ScryptCost = { log2N: 17, r: 8, p: 1 };

const WRONG_KEY = "cannot decrypt: wrong passphrase or damaged file";

/** Refuses costs that would let a crafted file exhaust memory or time. */
function checkCost(cost: ScryptCost): void {
  const ok =
    cost.log2N >= 14 &&
    cost.log2N <= 20 &&
    cost.r >= 1 &&
    cost.r <= 32 &&
    cost.p >= 1 &&
    cost.p <= 16 &&
    scryptMemory(cost) <= 1024 * 1024 * 1024;
  if (!ok) throw new BackupError(`${WRONG_KEY} (unusable scrypt parameters in the header)`);
}

function scryptMemory(cost: ScryptCost): number {
  return 128 * cost.r * 2 ** cost.log2N;
}

function deriveKey(passphrase: string, salt: Buffer, cost: ScryptCost): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(
      passphrase,
      salt,
      32,
      { N: 2 ** cost.log2N, r: cost.r, p: cost.p, maxmem: scryptMemory(cost) + 32 * 1024 * 1024 },
      (err, key) => (err ? reject(err) : resolve(key)),
    );
  });
}

function* slices(data: Buffer, from = 0): Generator<Buffer> {
  for (let offset = from; offset < data.length; offset += SLICE_BYTES) {
    yield data.subarray(offset, Math.min(offset + SLICE_BYTES, data.length));
  }
}

/** True when `head` (the first bytes of a file) starts like an encrypted backup. */
export function isEncryptedBackup(head: Buffer): boolean {
  return head.subarray(0, BACKUP_MAGIC.length).equals(BACKUP_MAGIC);
}

/** Seals a database image; returns the header followed by the ciphertext, in pieces. */
export async function encryptBackup(
  image: Buffer,
  passphrase: string,
  cost: ScryptCost = DEFAULT_COST,
): Promise<Buffer[]> {
  checkCost(cost);
  const header = Buffer.alloc(HEADER_BYTES);
  BACKUP_MAGIC.copy(header, 0);
  header.writeUInt8(FORMAT_VERSION, 8);
  header.writeUInt8(cost.log2N, 9);
  header.writeUInt8(cost.r, 10);
  header.writeUInt8(cost.p, 11);
  const salt = randomBytes(SALT_BYTES);
  const nonce = randomBytes(NONCE_BYTES);
  salt.copy(header, SALT_OFFSET);
  nonce.copy(header, NONCE_OFFSET);
  const key = await deriveKey(passphrase, salt, cost);
  const cipher = createCipheriv("aes-256-gcm", key, nonce);
  cipher.setAAD(header.subarray(0, AAD_BYTES));
  const body = [...slices(image)].map((slice) => cipher.update(slice));
  body.push(cipher.final());
  cipher.getAuthTag().copy(header, TAG_OFFSET);
  return [header, ...body];
}

/**
 * Opens a sealed backup. Any failure to authenticate (wrong passphrase, a flipped bit, a
 * truncated file) is the same error, since GCM cannot tell them apart.
 */
export async function decryptBackup(sealed: Buffer, passphrase: string): Promise<Buffer[]> {
  if (sealed.length < HEADER_BYTES || !isEncryptedBackup(sealed)) {
    throw new BackupError(`${WRONG_KEY} (the header is incomplete)`);
  }
  const version = sealed.readUInt8(8);
  if (version !== FORMAT_VERSION) {
    throw new BackupError(
      `cannot decrypt: the backup uses format version ${version} and this chat-server reads version ${FORMAT_VERSION}; restore it with the chat-server that wrote it`,
    );
  }
  const cost = { log2N: sealed.readUInt8(9), r: sealed.readUInt8(10), p: sealed.readUInt8(11) };
  checkCost(cost);
  const salt = sealed.subarray(SALT_OFFSET, SALT_OFFSET + SALT_BYTES);
  const nonce = sealed.subarray(NONCE_OFFSET, NONCE_OFFSET + NONCE_BYTES);
  const key = await deriveKey(passphrase, salt, cost);
  const decipher = createDecipheriv("aes-256-gcm", key, nonce);
  decipher.setAAD(sealed.subarray(0, AAD_BYTES));
  decipher.setAuthTag(sealed.subarray(TAG_OFFSET, TAG_OFFSET + TAG_BYTES));
  const plain = [...slices(sealed, HEADER_BYTES)].map((slice) => decipher.update(slice));
  try {
    plain.push(decipher.final());
  } catch {
    throw new BackupError(WRONG_KEY);
  }
  return plain;
}
