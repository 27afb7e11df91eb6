/**
 * Every chat-server subcommand, the top-level help, and what a command line asks for:
 * text to print (help, version) or a command to run with its arguments.
 */
import { VERSION } from "../version.js";
import { UsageError, wantsHelp } from "./args.js";
import type { Command } from "./command.js";
import { auditCmd } from "./commands/audit.js";
import { backupCmd } from "./commands/backup.js";
import { configCmd } from "./commands/config-check.js";
import { dbCmd } from "./commands/db.js";
import { drainCmd } from "./commands/drain.js";
import { inviteCmd } from "./commands/invite.js";
import { migrateToPostgresCmd } from "./commands/migrate-to-postgres.js";
import { pushCmd } from "./commands/push.js";
import { restoreCmd } from "./commands/restore.js";
import { serveCmd } from "./commands/serve.js";
import { sessionsCmd } from "./commands/sessions.js";
import { userCmd } from "./commands/user.js";
import { commandHelp } from "./help.js";

export const COMMANDS: Command[] = [
  serveCmd,
  configCmd,
  dbCmd,
  drainCmd,
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
  chat-server COMMAND [ACTION] --help
      a command's usage and every flag it takes

Commands that use the database or configuration take --config FILE (-c FILE). Environment variables CHAT_<SECTION>_<KEY>
override the file, e.g. CHAT_SERVER_PORT=9000 or CHAT_AUTH_JWT_SECRET=...
Configuration reference: docs/CONFIGURATION.md
`;
}

export type CommandLine =
  | { kind: "print"; text: string }
  | { kind: "run"; command: Command; args: string[] };

export function readCommandLine(argv: string[]): CommandLine {
  const first = argv[0];
  if (first === "--help" || first === "-h" || first === "help")
    return { kind: "print", text: help() };
  if (first === "--version" || first === "-v") return { kind: "print", text: `${VERSION}\n` };
  const command =
    first !== undefined && !first.startsWith("-")
      ? COMMANDS.find((c) => c.name === first)
      : undefined;
  if (first !== undefined && !first.startsWith("-") && !command) {
    throw new UsageError(`unknown command "${first}"; see chat-server --help`);
  }
  // Without a command name the arguments are the server's own (`chat-server --config FILE`).
  const target = command ?? serveCmd;
  const args = command ? argv.slice(1) : argv;
  if (wantsHelp(args)) return { kind: "print", text: commandHelp(target, args) };
  return { kind: "run", command: target, args };
}
