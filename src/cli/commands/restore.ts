/**
 * `chat-server restore FILE|- [--passphrase-file FILE]`: checks a backup and puts it in
 * place of the SQLite database, keeping the old one aside (see ops/backup/restore.ts).
 * The server must be stopped; PostgreSQL deployments use pg_restore (docs/BACKUP.md).
 */
import { resolve } from "node:path";
import { uploadsDir } from "../../attachments/setup.js";
import { loadConfig } from "../../config/load.js";
import { BackupError, operatorMessage } from "../../ops/backup/backup-error.js";
import { readIdentityFile } from "../../ops/backup/backup-keys.js";
import { readPassphraseFile } from "../../ops/backup/passphrase.js";
import { type RestoreResult, restoreSqlite } from "../../ops/backup/restore.js";
import { databaseKey } from "../../storage/sqlite/encryption.js";
import { configFlag, parseCommandArgs, UsageError } from "../args.js";
import type { Command } from "../command.js";
import { USAGE as COMMAND_USAGE } from "../usage.js";

const USAGE =
  "usage: chat-server restore FILE|- [--passphrase-file FILE|--identity-file FILE] [--config FILE]";

const flags = {
  ...configFlag,
  "passphrase-file": {
    value: "FILE",
    description: "file whose first line is the passphrase of an encrypted backup",
  },
  "identity-file": {
    value: "FILE",
    description: "file of age identities (AGE-SECRET-KEY-1...) for a backup sealed to recipients",
  },
} as const;

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

function report(target: string, result: RestoreResult, uploads: string): string {
  const { schemaVersion, pending, keptAside: aside } = result;
  const lines = [`restored ${target} (schema ${schemaVersion})`];
  if (result.uploads) {
    lines.push(
      `uploaded files: ${result.uploads.restored} restored into ${uploads}, ${result.uploads.present} already there`,
    );
  }
  if (pending.length > 0) {
    lines.push(`migrations ${pending.join(", ")} apply when the server next starts`);
  }
  if (aside) {
    lines.push(
      `the previous database is kept at ${aside}; delete it once the restored data is confirmed`,
    );
  }
  return `${lines.join("\n")}\n`;
}

async function restoreCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, flags);
  const from = positionals[0];
  if (from === undefined || positionals.length > 1) throw new UsageError(USAGE);
  if (from === "-" && process.stdin.isTTY) {
    throw new UsageError(
      "restore - reads the backup from stdin: pipe it in (e.g. from gpg --decrypt)",
    );
  }
  const config = loadConfig({ file: values.config });
  try {
    if (config.database.type === "postgres") {
      throw new BackupError(
        '[database] type is "postgres": this command works on the SQLite database only; restore it with pg_restore (see docs/BACKUP.md)',
      );
    }
    let passphrase: string | undefined;
    const passphraseFile = values["passphrase-file"];
    if (passphraseFile !== undefined) {
      const read = readPassphraseFile(passphraseFile);
      if (read.warning) log(read.warning);
      passphrase = read.value;
    }
    let identities: string[] | undefined;
    const identityFile = values["identity-file"];
    if (identityFile !== undefined) {
      if (passphraseFile !== undefined) {
        throw new UsageError("give --passphrase-file or --identity-file, not both");
      }
      const read = readIdentityFile(identityFile);
      if (read.warning) log(read.warning);
      identities = read.identities;
    }
    const target = resolve(config.database.path);
    const uploads = uploadsDir(config);
    const result = await restoreSqlite({
      from,
      targetPath: target,
      key: databaseKey(config.database),
      log,
      ...(passphrase === undefined ? {} : { passphrase }),
      ...(identities === undefined ? {} : { identities }),
      ...(config.uploads.store === "local" ? { uploadsRoot: uploads } : {}),
    });
    process.stdout.write(report(target, result, uploads));
    return 0;
  } catch (err) {
    const message = operatorMessage(err);
    if (message === undefined) throw err;
    process.stderr.write(`chat-server restore: ${message}\n`);
    return 1;
  }
}

export const restoreCmd: Command = {
  name: "restore",
  usage: COMMAND_USAGE.restore,
  flags,
  run: restoreCommand,
};
