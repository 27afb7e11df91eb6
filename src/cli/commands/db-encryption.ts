/**
 * `chat-server db encrypt|decrypt|rekey`: converts the stopped server's SQLite database
 * between clear and encrypted, or to a new key (see storage/sqlite/convert-encryption.ts
 * for how the original stays intact until the converted copy is checked).
 */
import { existsSync, readFileSync } from "node:fs";
import SqliteDatabase from "better-sqlite3-multiple-ciphers";
import type { Config } from "../../config/schema.js";
import { describeServer, liveServers } from "../../ops/backup/server-detect.js";
import { ConversionError, convertEncryption } from "../../storage/sqlite/convert-encryption.js";
import {
  applyKey,
  databaseKey,
  isPlainSqliteFile,
  readKeyFile,
  type SqliteKey,
} from "../../storage/sqlite/encryption.js";

export type EncryptionAction = "encrypt" | "decrypt" | "rekey";

function fail(message: string): number {
  process.stderr.write(`chat-server: db: ${message}\n`);
  return 1;
}

/** A live server's row in the nodes table: converting under it would lose its writes. */
function runningServer(path: string, key: SqliteKey | undefined): string | undefined {
  const db = new SqliteDatabase(path, { fileMustExist: true, readonly: true });
  try {
    if (key) applyKey(db, key);
    const [live] = liveServers(db);
    return live ? describeServer(live) : undefined;
  } catch {
    // A file the key does not open is reported by the conversion, with the reason.
    return undefined;
  } finally {
    db.close();
  }
}

export function runEncryption(
  action: EncryptionAction,
  database: Config["database"],
  newKeyFile: string | undefined,
): number {
  if (database.type !== "sqlite") {
    return fail(`db ${action} works on the SQLite database; this configuration uses PostgreSQL`);
  }
  const path = database.path;
  if (!existsSync(path)) return fail(`no database at ${path}`);
  const key = databaseKey(database);
  const clear = isPlainSqliteFile(readFileSync(path).subarray(0, 16));
  let from: SqliteKey | undefined;
  let to: SqliteKey | undefined;
  if (action === "encrypt") {
    if (!key) {
      return fail(
        "set [database] encryption_key_file (or CHAT_DATABASE_ENCRYPTION_KEY) to the new key first",
      );
    }
    if (!clear) return fail(`${path} is encrypted already`);
    to = key;
  } else {
    if (clear) return fail(`${path} is not encrypted`);
    if (!key) {
      return fail(
        "set [database] encryption_key_file (or CHAT_DATABASE_ENCRYPTION_KEY) to its key",
      );
    }
    from = key;
    if (action === "rekey") {
      if (!newKeyFile) return fail("db rekey needs --new-key-file FILE");
      to = readKeyFile(newKeyFile, database.encryption_compatibility === 3 ? 3 : 4);
    }
  }
  const server = runningServer(path, from);
  if (server) return fail(`a server is using ${path} (${server}): stop it first`);
  try {
    const result = convertEncryption(path, from, to);
    const what =
      action === "encrypt" ? "encrypted" : action === "decrypt" ? "decrypted" : "given the new key";
    process.stdout.write(`${path} ${what}: ${result.tables} tables, ${result.rows} rows checked\n`);
    const next =
      action === "decrypt"
        ? "remove [database] encryption_key_file from the configuration before starting the server"
        : action === "rekey"
          ? `point [database] encryption_key_file at ${newKeyFile} before starting the server`
          : undefined;
    if (next) process.stdout.write(`next: ${next}\n`);
    return 0;
  } catch (err) {
    if (err instanceof ConversionError) return fail(err.message);
    throw err;
  }
}
