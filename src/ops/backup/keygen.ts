/**
 * `chat-server backup keygen --out FILE`: an age X25519 key pair, written the way
 * age-keygen writes it (the public key in a comment, then the identity), mode 0600. The
 * recipient goes on the server (--recipient-file); the identity file stays elsewhere.
 */
import { existsSync } from "node:fs";
import { generateX25519Identity, identityToRecipient } from "age-encryption";
import { BackupError } from "./backup-error.js";
import { writePrivateFile } from "./private-files.js";

/** Writes the identity file and returns the recipient. */
export async function writeKeyPair(path: string): Promise<string> {
  if (existsSync(path)) throw new BackupError(`${path} already exists; choose another name`);
  const identity = await generateX25519Identity();
  const recipient = await identityToRecipient(identity);
  const text = `# created: ${new Date().toISOString()}\n# public key: ${recipient}\n${identity}\n`;
  writePrivateFile(path, [Buffer.from(text)]);
  return recipient;
}
