#!/usr/bin/env node
/**
 * The chat-server command: serves by default, and carries the operator's subcommands.
 */
import { ConfigError } from "../config/load.js";
import { AppError } from "../errors.js";
import { SchemaTooNewError } from "../storage/migrate.js";
import { VERSION } from "../version.js";
import { EXIT_CONFIG, EXIT_USAGE, UsageError } from "./args.js";
import { configCheckCommand } from "./commands/config-check.js";
import { dbCommand } from "./commands/db.js";
import { inviteCommand } from "./commands/invite.js";
import { serveCommand } from "./commands/serve.js";
import { userCommand } from "./commands/user.js";

const HELP = `chat-server ${VERSION}: the Private Chat server

Usage:
  chat-server [serve] [--config FILE]      run the server (embedded SQLite defaults without --config)
  chat-server config check [--config FILE] validate the configuration (file, environment) and exit
  chat-server db migrate [--config FILE]   apply pending schema migrations and exit
  chat-server db status [--config FILE]    list applied and pending schema migrations
  chat-server user create USERNAME [--admin] [--password-file FILE] [--display-name NAME]
                                           create an account (prints a generated password
                                           unless --password-file is given)
  chat-server invite create [--expires-in-hours N]
                                           print a single-use invite code (default 168 h)
  chat-server --help | --version

Every command takes --config FILE (-c FILE). Environment variables CHAT_<SECTION>_<KEY>
override the file, e.g. CHAT_SERVER_PORT=9000 or CHAT_AUTH_JWT_SECRET=...
Configuration reference: docs/CONFIGURATION.md
`;

const commands: Record<string, (args: string[]) => Promise<number>> = {
  config: (args) => {
    if (args[0] !== "check") throw new UsageError("usage: chat-server config check --config FILE");
    return configCheckCommand(args.slice(1));
  },
  db: dbCommand,
  user: userCommand,
  invite: inviteCommand,
  serve: serveCommand,
};

async function main(argv: string[]): Promise<number> {
  const first = argv[0];
  if (first === "--help" || first === "-h" || first === "help") {
    process.stdout.write(HELP);
    return 0;
  }
  if (first === "--version" || first === "-v") {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const command = first !== undefined && !first.startsWith("-") ? commands[first] : undefined;
  if (first !== undefined && !first.startsWith("-") && !command) {
    throw new UsageError(`unknown command "${first}"; see chat-server --help`);
  }
  return command ? command(argv.slice(1)) : serveCommand(argv);
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
    else fail((err as Error)?.stack ?? String(err), 1);
  },
);
