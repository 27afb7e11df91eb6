/**
 * Every chat-server subcommand, the top-level help, and what a command line asks for:
 * text to print (help, version) or a command to run with its arguments. A command's
 * module (and the database drivers and server behind it) loads only when that command
 * runs or prints its own help, so `--version` and `--help` answer at once.
 */
import { VERSION } from "../version.js";
import { UsageError, wantsHelp } from "./args.js";
import type { Command } from "./command.js";
import { commandHelp } from "./help.js";
import type { CommandName } from "./usage.js";

/** Loads a command's module; the order is the top-level help's. */
export const COMMANDS: Record<CommandName, () => Promise<Command>> = {
  serve: async () => (await import("./commands/serve.js")).serveCmd,
  config: async () => (await import("./commands/config-check.js")).configCmd,
  db: async () => (await import("./commands/db.js")).dbCmd,
  drain: async () => (await import("./commands/drain.js")).drainCmd,
  user: async () => (await import("./commands/user.js")).userCmd,
  invite: async () => (await import("./commands/invite.js")).inviteCmd,
  sessions: async () => (await import("./commands/sessions.js")).sessionsCmd,
  audit: async () => (await import("./commands/audit.js")).auditCmd,
  retention: async () => (await import("./commands/retention.js")).retentionCmd,
  backup: async () => (await import("./commands/backup.js")).backupCmd,
  restore: async () => (await import("./commands/restore.js")).restoreCmd,
  "migrate-to-postgres": async () =>
    (await import("./commands/migrate-to-postgres.js")).migrateToPostgresCmd,
  push: async () => (await import("./commands/push.js")).pushCmd,
};

function isCommandName(name: string): name is CommandName {
  return Object.hasOwn(COMMANDS, name);
}

async function help(): Promise<string> {
  const { USAGE } = await import("./usage.js");
  const lines = Object.values(USAGE).flatMap((usage) =>
    usage.map(([line, description]) => `  chat-server ${line}\n      ${description}`),
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

export async function readCommandLine(argv: string[]): Promise<CommandLine> {
  const first = argv[0];
  if (first === "--help" || first === "-h" || first === "help")
    return { kind: "print", text: await help() };
  if (first === "--version" || first === "-v") return { kind: "print", text: `${VERSION}\n` };
  const named = first !== undefined && !first.startsWith("-");
  if (named && !isCommandName(first)) {
    throw new UsageError(`unknown command "${first}"; see chat-server --help`);
  }
  // Without a command name the arguments are the server's own (`chat-server --config FILE`).
  const target = await COMMANDS[named ? (first as CommandName) : "serve"]();
  const args = named ? argv.slice(1) : argv;
  if (wantsHelp(args)) return { kind: "print", text: commandHelp(target, args) };
  return { kind: "run", command: target, args };
}
