/**
 * The VAPID key pair (RFC 8292) the server signs its pushes with: from `[push]`, or on a
 * single SQLite node generated once into the data directory (mode 0600) like the JWT
 * secret. A cluster needs the keys in its configuration, since every node must sign
 * with the same pair; without them Web Push is off there.
 */
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import webpush from "web-push";
import type { Config } from "../config/schema.js";
import { ensureDataDirectory } from "../config/secrets.js";

export interface VapidKeys {
  /** base64url of the uncompressed P-256 public point (65 bytes). */
  publicKey: string;
  /** base64url of the 32-byte private scalar. */
  privateKey: string;
  /** Set when the pair was generated and kept in the data directory. */
  generatedFile?: string;
}

const HOW = "print a pair with: chat-server push generate-keys";

function decodedLength(text: string): number {
  return /^[A-Za-z0-9_-]+={0,2}$/.test(text) ? Buffer.from(text, "base64url").length : -1;
}

/** Problems with the configured keys; none set at all is fine (generated or off). */
export function checkVapidKeys(config: Config, source = "(config)"): string[] {
  const { vapid_public_key: pub, vapid_private_key: priv } = config.push;
  if (pub === "" && priv === "") return [];
  const problems: string[] = [];
  if (pub === "" || priv === "") {
    problems.push(`[push] vapid_public_key and vapid_private_key: set both or neither; ${HOW}`);
  } else {
    const raw = Buffer.from(pub, "base64url");
    if (decodedLength(pub) !== 65 || raw[0] !== 4) {
      problems.push(
        `[push] vapid_public_key: expected base64url of an uncompressed P-256 point (65 bytes); ${HOW}`,
      );
    }
    if (decodedLength(priv) !== 32) {
      problems.push(`[push] vapid_private_key: expected base64url of 32 bytes; ${HOW}`);
    }
  }
  return problems.map((problem) => `${source}: ${problem}`);
}

export function generateVapidKeys(): VapidKeys {
  const { publicKey, privateKey } = webpush.generateVAPIDKeys();
  return { publicKey, privateKey };
}

/** The keys to sign with, or undefined on PostgreSQL without configured keys (push off). */
export function resolveVapidKeys(config: Config): VapidKeys | undefined {
  const { vapid_public_key: publicKey, vapid_private_key: privateKey } = config.push;
  if (publicKey !== "" && privateKey !== "") return { publicKey, privateKey };
  if (config.database.type === "postgres") return undefined;
  const file = join(ensureDataDirectory(config), "vapid_keys.json");
  let keys: VapidKeys;
  try {
    const stored = JSON.parse(readFileSync(file, "utf8")) as {
      public_key: string;
      private_key: string;
    };
    keys = { publicKey: stored.public_key, privateKey: stored.private_key };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    keys = generateVapidKeys();
    writeFileSync(
      file,
      `${JSON.stringify({ public_key: keys.publicKey, private_key: keys.privateKey })}\n`,
      { mode: 0o600, flag: "wx" },
    );
  }
  chmodSync(file, 0o600);
  return { ...keys, generatedFile: file };
}
