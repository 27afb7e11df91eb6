#!/usr/bin/env node
/**
 * The chat-server command: serves by default, and carries the operator's subcommands
 * (listed in command-line.ts). This module turns their outcome into an exit status.
 */
import { EXIT_CONFIG, EXIT_USAGE, UsageError } from "./args.js";
import { readCommandLine } from "./command-line.js";

async function main(argv: string[]): Promise<number> {
  const line = await readCommandLine(argv);
  if (line.kind === "print") {
    process.stdout.write(line.text);
    return 0;
  }
  return line.command.run(line.args);
}

function fail(message: string, code: number): void {
  process.stderr.write(`chat-server: ${message}\n`);
  process.exitCode = code;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  async (err: unknown) => {
    // Loaded only on failure: their modules pull in the configuration schema, the storage
    // and the uploads code, which `--version` and `--help` have no need of.
    const [
      { UploadsDirError },
      { ConfigError },
      { AppError },
      { DamagedDatabaseError },
      { SchemaMismatchError },
      { DatabaseKeyError },
      { SecretFileError },
    ] = await Promise.all([
      import("../attachments/uploads-dir.js"),
      import("../config/load.js"),
      import("../errors.js"),
      import("../storage/damage.js"),
      import("../storage/migrate.js"),
      import("../storage/sqlite/encryption.js"),
      import("../config/secret-file.js"),
    ]);
    if (err instanceof ConfigError) {
      for (const line of err.problems) process.stderr.write(`${line}\n`);
      process.exitCode = EXIT_CONFIG;
    } else if (err instanceof UsageError) fail(err.message, EXIT_USAGE);
    else if (
      err instanceof SchemaMismatchError ||
      err instanceof DatabaseKeyError ||
      err instanceof SecretFileError
    )
      fail(err.message, EXIT_CONFIG);
    else if (err instanceof DamagedDatabaseError || err instanceof UploadsDirError)
      fail(err.message, 1);
    else if (err instanceof AppError) fail(`${err.code}: ${err.message}`, 1);
    else if ((err as NodeJS.ErrnoException).code === "EADDRINUSE")
      fail(`${(err as Error).message}: is another server running?`, 1);
    else if (process.env.CHAT_DEBUG) fail((err as Error)?.stack ?? String(err), 1);
    else
      fail(`${(err as Error)?.message ?? String(err)} (set CHAT_DEBUG=1 for the stack trace)`, 1);
  },
);
