/**
 * The keys of a backup with uploads. With a passphrase, the manifest is sealed with it
 * (scrypt, slow on purpose), and the blobs to an X25519 key kept in the backup folder,
 * itself sealed with the passphrase; each manifest carries that key too, so a kept
 * manifest opens all its blobs whatever else is deleted. With age recipients (the
 * recommended path: no scrypt, and the server cannot read its own backups), the manifest
 * and the blobs are all sealed to the recipients, and opened with the identity file.
 */
import { existsSync, linkSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { generateX25519Identity, identityToRecipient } from "age-encryption";
import { encrypter, type OpenKey, openSmall, type SealKey } from "./age-files.js";
import { BackupError } from "./backup-error.js";
import { BLOB_KEY_FILE, type Manifest, tagOf } from "./backup-set.js";
import { removeQuietly, tempPathBeside, writePrivateFile } from "./private-files.js";

/** The operator's key for writing a backup. */
export type WriteKey = { passphrase: string } | { recipients: string[] };

export interface SetKeys {
  manifest: SealKey;
  blobs: SealKey;
  tag: string;
  /** Passphrase mode: stored in the manifest, so the manifest alone opens its blobs. */
  blobIdentity?: string;
}

const KEY_FILE_LIMIT = 64 * 1024;

/** Lines of an age key file that start with `prefix` (comments and blanks skipped). */
function keyLines(path: string, prefix: string, what: string): string[] {
  let text: string;
  try {
    // A key file is a few lines: anything larger is the wrong file, not read into memory.
    if (statSync(path).size > KEY_FILE_LIMIT) {
      throw new BackupError(`${path} is over ${KEY_FILE_LIMIT} bytes: not an age ${what} file`);
    }
    text = readFileSync(path, "utf8");
  } catch (err) {
    if (err instanceof BackupError) throw err;
    throw new BackupError(
      `cannot read the ${what} file ${path} (${(err as NodeJS.ErrnoException).code ?? err})`,
    );
  }
  const lines = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
  const keys = lines.filter((line) => line.startsWith(prefix));
  if (keys.length === 0 || keys.length !== lines.length) {
    throw new BackupError(
      `${path} is not an age ${what} file (one ${prefix}... per line; make one with: chat-server backup keygen)`,
    );
  }
  return keys;
}

export function readRecipientFile(path: string): string[] {
  return keyLines(path, "age1", "recipient");
}

/** The identities, and a warning when other users may read the file. */
export function readIdentityFile(path: string): { identities: string[]; warning?: string } {
  const identities = keyLines(path, "AGE-SECRET-KEY-1", "identity");
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o077) === 0) return { identities };
  return {
    identities,
    warning: `warning: ${path} is readable by other users (mode ${mode.toString(8)}); chmod 600 ${path}`,
  };
}

/** The folder's blob identity, made on the first backup with a passphrase. */
async function folderIdentity(dir: string, passphrase: string): Promise<string> {
  const path = join(dir, BLOB_KEY_FILE);
  if (!existsSync(path)) {
    const identity = await generateX25519Identity();
    const sealed = await encrypter({ passphrase }).encrypt(`${identity}\n`);
    const temp = tempPathBeside(path, "partial");
    try {
      writePrivateFile(temp, [Buffer.from(sealed)]);
      // link() refuses an existing name: of two backups starting at once, one key wins.
      try {
        linkSync(temp, path);
        return identity;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      }
    } finally {
      removeQuietly(temp);
    }
  }
  const clear = await openSmall({ passphrase }, readFileSync(path), path, KEY_FILE_LIMIT).catch(
    () => {
      throw new BackupError(
        `${path} does not open with this passphrase: the folder's backups use another one; use a new folder for the new passphrase`,
      );
    },
  );
  const identity = clear.toString("utf8").trim();
  if (!identity.startsWith("AGE-SECRET-KEY-1"))
    throw new BackupError(`${path} holds no age identity`);
  return identity;
}

export async function prepareKeys(dir: string, key: WriteKey): Promise<SetKeys> {
  if ("recipients" in key) {
    const sealKey = { recipients: key.recipients };
    return { manifest: sealKey, blobs: sealKey, tag: tagOf(key.recipients) };
  }
  const blobIdentity = await folderIdentity(dir, key.passphrase);
  const recipient = await identityToRecipient(blobIdentity);
  return {
    manifest: { passphrase: key.passphrase },
    blobs: { recipients: [recipient] },
    tag: tagOf([recipient]),
    blobIdentity,
  };
}

/** What opens the blobs a manifest names. */
export function blobOpenKey(manifest: Manifest, key: OpenKey): OpenKey {
  if (manifest.blobIdentity !== undefined) return { identities: [manifest.blobIdentity] };
  if ("identities" in key) return key;
  throw new BackupError("the manifest names no blob key; open this backup with --identity-file");
}
