#!/usr/bin/env node
/**
 * The chat-server command: serves by default, and carries the operator's subcommands.
 */
import { ConfigError } from "../config/load.js";
import { AppError } from "../errors.js";
import { SchemaTooNewError } from "../storage/migrate.js";
import { VERSION } from "../version.js";
import { EXIT_CONFIG, EXIT_USAGE, UsageError } from "./args.js";
import type { Command } from "./command.js";
import { auditCmd } from "./commands/audit.js";
import { backupCmd } from "./commands/backup.js";
import { configCmd } from "./commands/config-check.js";
import { dbCmd } from "./commands/db.js";
import { inviteCmd } from "./commands/invite.js";
import { migrateToPostgresCmd } from "./commands/migrate-to-postgres.js";
import { pushCmd } from "./commands/push.js";
import { restoreCmd } from "./commands/restore.js";
import { serveCmd } from "./commands/serve.js";
import { sessionsCmd } from "./commands/sessions.js";
import { userCmd } from "./commands/user.js";

const COMMANDS: Command[] = [
  serveCmd,
  configCmd,
  dbCmd,
  userCmd,
  inviteCmd,
  sessionsCmd,
  auditCmd,
  backupCmd,
  restoreCmd,
  migrateToPostgresCmd,
  pushCmd,
];

function help(): string {
  const lines = COMMANDS.flatMap((command) =>
    command.usage.map(([usage, description]) => `  chat-server ${usage}\n      ${description}`),
  );
  return `chat-server ${VERSION}: the Private Chat server

Usage:
${lines.join("\n")}
  chat-server --help | --version

Commands that use the database or configuration take --config FILE (-c FILE). Environment variables CHAT_<SECTION>_<KEY>
override the file, e.g. CHAT_SERVER_PORT=9000 or CHAT_AUTH_JWT_SECRET=...
Configuration reference: docs/CONFIGURATION.md
`;
}

async function main(argv: string[]): Promise<number> {
  const first = argv[0];
  if (first === "--help" || first === "-h" || first === "help") {
    process.stdout.write(help());
    return 0;
  }
  if (first === "--version" || first === "-v") {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const command =
    first !== undefined && !first.startsWith("-")
      ? COMMANDS.find((c) => c.name === first)
      : undefined;
  if (first !== undefined && !first.startsWith("-") && !command) {
    throw new UsageError(`unknown command "${first}"; see chat-server --help`);
  }
  return command ? command.run(argv.slice(1)) : serveCmd.run(argv);
}

function fail(message: string, code: number): void {
  process.stderr.write(`chat-server: ${message}\n`);
  process.exitCode = code;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof ConfigError) {
      for (const line of err.problems) process.stderr.write(`${line}\n`);
      process.exitCode = EXIT_CONFIG;
    } else if (err instanceof UsageError) fail(err.message, EXIT_USAGE);
    else if (err instanceof SchemaTooNewError) fail(err.message, EXIT_CONFIG);
    else if (err instanceof AppError) fail(`${err.code}: ${err.message}`, 1);
    else if ((err as NodeJS.ErrnoException).code === "EADDRINUSE")
      fail(`${(err as Error).message}: is another server running?`, 1);
    else if (process.env.CHAT_DEBUG) fail((err as Error)?.stack ?? String(err), 1);
    else
      fail(`${(err as Error)?.message ?? String(err)} (set CHAT_DEBUG=1 for the stack trace)`, 1);
  },
);
