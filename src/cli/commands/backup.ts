/**
 * `chat-server backup`: a consistent copy of the SQLite database while the server keeps
 * serving, and with `--encrypt` the uploaded files too, sealed with age into a backup
 * folder (see ops/backup/). `backup verify` checks one without restoring it; `backup
 * keygen` makes an age key pair. PostgreSQL deployments use pg_dump (docs/BACKUP.md).
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { uploadsDir } from "../../attachments/setup.js";
import { loadConfig } from "../../config/load.js";
import type { Config } from "../../config/schema.js";
import { BackupError, operatorMessage } from "../../ops/backup/backup-error.js";
import {
  readIdentityFile,
  readRecipientFile,
  type WriteKey,
} from "../../ops/backup/backup-keys.js";
import { writeKeyPair } from "../../ops/backup/keygen.js";
import { readPassphraseFile } from "../../ops/backup/passphrase.js";
import { pruneFolder } from "../../ops/backup/prune.js";
import { backupSet } from "../../ops/backup/set-backup.js";
import { verifySet } from "../../ops/backup/set-verify.js";
import { backupSqlite } from "../../ops/backup/sqlite-backup.js";
import { databaseKey } from "../../storage/sqlite/encryption.js";
import { configFlag, parseCommandArgs, UsageError } from "../args.js";
import type { Command } from "../command.js";
import { USAGE as COMMAND_USAGE } from "../usage.js";

const USAGE =
  "usage: chat-server backup --out FILE|- [--encrypt --passphrase-file FILE|--recipient-file FILE] [--no-uploads] [--config FILE]; chat-server backup verify FILE --passphrase-file FILE|--identity-file FILE; chat-server backup prune DIR [--keep N]; chat-server backup keygen --out FILE";

const flags = {
  ...configFlag,
  out: {
    value: "FILE|-",
    short: "o",
    description:
      "where to write the backup (file mode 0600; with --encrypt, blobs go in the same folder); - writes the database to stdout; for keygen, the identity file",
  },
  encrypt: {
    description:
      "seal the database and the uploaded files with age (needs --passphrase-file or --recipient-file)",
  },
  "passphrase-file": {
    value: "FILE",
    description: "file whose first line is the passphrase (age scrypt) for --encrypt or verify",
  },
  "recipient-file": {
    value: "FILE",
    description: "file of age recipients (age1..., one a line) to seal --encrypt backups to",
  },
  "identity-file": {
    value: "FILE",
    description: "file of age identities (AGE-SECRET-KEY-1...) that opens a backup, for verify",
  },
  "no-uploads": { description: "leave the uploaded files out of an --encrypt backup" },
  keep: {
    value: "N",
    description: "for prune: keep the N newest backups of the folder, delete the older ones",
  },
} as const;

type Values = ReturnType<typeof parseCommandArgs<typeof flags>>["values"];

/** The local uploads directory when it holds files a database-only backup leaves out. */
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

function passphraseFrom(file: string): string {
  const read = readPassphraseFile(file);
  if (read.warning) log(read.warning);
  return read.value;
}

function refusePostgres(config: Config): void {
  if (config.database.type === "postgres") {
    throw new BackupError(
      '[database] type is "postgres": this command works on the SQLite database only; back it up with pg_dump (see docs/BACKUP.md)',
    );
  }
}

function writeKeyOf(values: Values): WriteKey | undefined {
  const passphraseFile = values["passphrase-file"];
  const recipientFile = values["recipient-file"];
  if (passphraseFile !== undefined && recipientFile !== undefined) {
    throw new UsageError("give --passphrase-file or --recipient-file, not both");
  }
  if (!values.encrypt) {
    if (passphraseFile !== undefined || recipientFile !== undefined) {
      throw new UsageError("--passphrase-file and --recipient-file go with --encrypt");
    }
    return undefined;
  }
  if (passphraseFile !== undefined) return { passphrase: passphraseFrom(passphraseFile) };
  if (recipientFile !== undefined) return { recipients: readRecipientFile(recipientFile) };
  throw new UsageError(
    "--encrypt needs --passphrase-file FILE (the passphrase on its first line) or --recipient-file FILE (age recipients)",
  );
}

async function backupEncrypted(config: Config, out: string, key: WriteKey, values: Values) {
  const local = config.uploads.store === "local";
  const withUploads = local && !values["no-uploads"];
  const result = await backupSet({
    sourcePath: config.database.path,
    databaseKey: databaseKey(config.database),
    out,
    uploadsRoot: withUploads ? uploadsDir(config) : undefined,
    key,
    log,
  });
  const files = withUploads
    ? `${result.files} files (${result.fileBytes} bytes)`
    : "no uploaded files";
  process.stdout.write(
    `backup of ${config.database.path} written to ${out} (schema ${result.schemaVersion}, ${files}; ${result.written} new blobs, ${result.writtenBytes} bytes, written to the folder; encrypted)\n`,
  );
  if (!local && !values["no-uploads"]) {
    log('note: [uploads] store is "s3": back up the bucket by its own means (docs/BACKUP.md)');
  }
}

async function backupDatabaseOnly(config: Config, out: string, values: Values) {
  const result = await backupSqlite({
    sourcePath: config.database.path,
    key: databaseKey(config.database),
    out,
    log,
  });
  const what = `${result.bytes} bytes, schema ${result.schemaVersion}`;
  // With --out - stdout carries the backup itself, so the summary goes to stderr.
  const summary = `backup of ${config.database.path} written to ${out === "-" ? "stdout" : out} (${what})\n`;
  (out === "-" ? process.stderr : process.stdout).write(summary);
  const uploads = values["no-uploads"] ? undefined : uploadsNotCovered(config);
  if (uploads) {
    log(
      `note: attached files are not in this database-only backup: use --encrypt to include them, or copy ${uploads} alongside it (docs/BACKUP.md)`,
    );
  }
}

async function takeBackup(values: Values): Promise<void> {
  const out = values.out;
  if (out === undefined || out === "") throw new UsageError(USAGE);
  const key = writeKeyOf(values);
  if (values["identity-file"] !== undefined) {
    throw new UsageError(
      "--identity-file is for backup verify; a backup is sealed with --recipient-file",
    );
  }
  if (out === "-" && key !== undefined) {
    throw new UsageError(
      "--encrypt writes a backup folder: give --out a file name (for a stream into gpg, use --out - without --encrypt)",
    );
  }
  if (out === "-" && process.stdout.isTTY) {
    throw new UsageError(
      "--out - writes the database to stdout: pipe it (e.g. into gpg), not to a terminal",
    );
  }
  const config = loadConfig({ file: values.config });
  refusePostgres(config);
  if (key !== undefined) await backupEncrypted(config, out, key, values);
  else await backupDatabaseOnly(config, out, values);
}

async function verify(file: string | undefined, values: Values): Promise<void> {
  if (file === undefined) throw new UsageError(USAGE);
  const passphraseFile = values["passphrase-file"];
  const identityFile = values["identity-file"];
  if ((passphraseFile === undefined) === (identityFile === undefined)) {
    throw new UsageError("backup verify needs --passphrase-file FILE or --identity-file FILE");
  }
  let key: { passphrase: string } | { identities: string[] };
  if (passphraseFile !== undefined) key = { passphrase: passphraseFrom(passphraseFile) };
  else {
    const read = readIdentityFile(identityFile as string);
    if (read.warning) log(read.warning);
    key = { identities: read.identities };
  }
  const result = await verifySet(file, key);
  const files =
    result.files === null
      ? "no uploaded files (taken with --no-uploads)"
      : `${result.files} files (${result.fileBytes} bytes)`;
  process.stdout.write(
    `${file} is sound: database ${result.databaseBytes} bytes, schema ${result.schemaVersion}, passes integrity_check; ${files} match their SHA-256\n`,
  );
}

function prune(dir: string | undefined, values: Values): void {
  if (dir === undefined) throw new UsageError(USAGE);
  let keep: number | undefined;
  if (values.keep !== undefined) {
    keep = Number(values.keep);
    if (!/^[1-9][0-9]*$/.test(values.keep)) {
      throw new UsageError(
        `--keep takes a whole number of backups (at least 1), got '${values.keep}'`,
      );
    }
  }
  const result = pruneFolder(dir, keep);
  process.stdout.write(
    `pruned ${dir}: ${result.deletedBackups.length} backups deleted, ${result.keptBackups} kept; ${result.deletedBlobs} blobs no kept backup names deleted (${result.deletedBytes} bytes)\n`,
  );
}

async function backupCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, flags);
  const [action, operand, ...extra] = positionals;
  const takesOperand = action === "verify" || action === "prune";
  if (extra.length > 0 || (!takesOperand && operand !== undefined)) {
    throw new UsageError(USAGE);
  }
  try {
    if (action === "verify") await verify(operand, values);
    else if (action === "prune") prune(operand, values);
    else if (action === "keygen") {
      if (values.out === undefined || values.out === "-") throw new UsageError(USAGE);
      process.stdout.write(`${await writeKeyPair(values.out)}\n`);
    } else if (action === undefined) await takeBackup(values);
    else throw new UsageError(USAGE);
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
