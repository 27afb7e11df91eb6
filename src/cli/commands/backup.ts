/**
 * `chat-server backup --out FILE [--encrypt --passphrase-file FILE]`: a consistent copy of
 * the SQLite database while the server keeps serving (see ops/backup/). PostgreSQL
 * deployments use pg_dump instead (docs/BACKUP.md).
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { uploadsDir } from "../../attachments/setup.js";
import { loadConfig } from "../../config/load.js";
import type { Config } from "../../config/schema.js";
import { BackupError, operatorMessage } from "../../ops/backup/backup-error.js";
import { readPassphraseFile } from "../../ops/backup/passphrase.js";
import { backupSqlite } from "../../ops/backup/sqlite-backup.js";
import { configFlag, parseCommandArgs, UsageError } from "../args.js";
import type { Command } from "../command.js";
import { USAGE as COMMAND_USAGE } from "../usage.js";

const USAGE =
  "usage: chat-server backup --out FILE|- [--encrypt --passphrase-file FILE] [--config FILE]";

const flags = {
  ...configFlag,
  out: {
    value: "FILE|-",
    short: "o",
    description: "where to write the backup (file mode 0600); - writes it to stdout",
  },
  encrypt: { description: "seal the backup with AES-256-GCM (needs --passphrase-file)" },
  "passphrase-file": {
    value: "FILE",
    description: "file whose first line is the passphrase for --encrypt",
  },
} as const;

/** The local uploads directory when it holds files this backup leaves out. */
function uploadsNotCovered(config: Config): string | undefined {
  if (config.uploads.store !== "local") return undefined;
  const blobs = join(uploadsDir(config), "blobs");
  try {
    return readdirSync(blobs).length > 0 ? uploadsDir(config) : undefined;
  } catch {
    return undefined;
  }
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

async function backupCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, flags);
  const out = values.out;
  const passphraseFile = values["passphrase-file"];
  if (out === undefined || out === "" || positionals.length > 0) throw new UsageError(USAGE);
  if (values.encrypt && passphraseFile === undefined) {
    throw new UsageError(
      "--encrypt needs --passphrase-file FILE (the passphrase on its first line)",
    );
  }
  if (!values.encrypt && passphraseFile !== undefined) {
    throw new UsageError("--passphrase-file goes with --encrypt");
  }
  if (out === "-" && process.stdout.isTTY) {
    throw new UsageError(
      "--out - writes the database to stdout: pipe it (e.g. into gpg), not to a terminal",
    );
  }
  const config = loadConfig({ file: values.config });
  try {
    if (config.database.type === "postgres") {
      throw new BackupError(
        '[database] type is "postgres": this command works on the SQLite database only; back it up with pg_dump (see docs/BACKUP.md)',
      );
    }
    let passphrase: string | undefined;
    if (passphraseFile !== undefined) {
      const read = readPassphraseFile(passphraseFile);
      if (read.warning) log(read.warning);
      passphrase = read.value;
    }
    const result = await backupSqlite({
      sourcePath: config.database.path,
      out,
      log,
      ...(passphrase === undefined ? {} : { passphrase }),
    });
    const what = `${result.bytes} bytes, schema ${result.schemaVersion}${passphrase ? ", encrypted" : ""}`;
    // With --out - stdout carries the backup itself, so the summary goes to stderr.
    const summary = `backup of ${config.database.path} written to ${out === "-" ? "stdout" : out} (${what})\n`;
    (out === "-" ? process.stderr : process.stdout).write(summary);
    const uploads = uploadsNotCovered(config);
    if (uploads) {
      log(
        `note: attached files are not in this backup: copy ${uploads} alongside it (docs/BACKUP.md)`,
      );
    }
    return 0;
  } catch (err) {
    const message = operatorMessage(err);
    if (message === undefined) throw err;
    process.stderr.write(`chat-server backup: ${message}\n`);
    return 1;
  }
}

export const backupCmd: Command = {
  name: "backup",
  usage: COMMAND_USAGE.backup,
  flags,
  run: backupCommand,
};
