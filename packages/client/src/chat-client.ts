#!/usr/bin/env node
import { HELP, parseCommandLine } from "./args.js";
import { login, logout, register, whoami } from "./commands/auth.js";
import { block, blocked, unblock } from "./commands/blocks.js";
import { conversations } from "./commands/conversations.js";
import { devices } from "./commands/devices.js";
import { dm } from "./commands/direct.js";
import { dnd } from "./commands/dnd.js";
import { download } from "./commands/download.js";
import { group, members } from "./commands/groups.js";
import { hook } from "./commands/hooks.js";
import { deleteCommand, edit, react, read } from "./commands/message-actions.js";
import { mute, notify, unmute } from "./commands/notifications.js";
import { answer, requests } from "./commands/requests.js";
import { search } from "./commands/search.js";
import { send } from "./commands/send.js";
import { commands, run as runCommand } from "./commands/slash-commands.js";
import { tail } from "./commands/tail.js";
import { bot, token } from "./commands/tokens.js";
import { twoFactor } from "./commands/two-factor.js";
import { verify } from "./commands/verify.js";
import { EXIT_OK, errorLine, toCliError } from "./errors.js";
import { interactive } from "./interactive.js";
import { type Io, processIo } from "./io.js";
/**
 * The chat-client command: parses the command line, runs one command, and turns its
 * outcome into an exit status (0 ok, 1 error, 2 not logged in, 3 a bot that did not
 * answer `run`) with a one-line message.
 */
import { VERSION } from "./version.js";

async function run(argv: string[], io: Io): Promise<number> {
  const parsed = parseCommandLine(argv);
  switch (parsed.kind) {
    case "help":
      process.stdout.write(HELP);
      return EXIT_OK;
    case "version":
      io.out(VERSION);
      return EXIT_OK;
    case "interactive":
      return interactive(io);
  }
  const { name, values, positionals } = parsed;
  switch (name) {
    case "login":
      return login(values, io);
    case "register":
      return register(values, io);
    case "logout":
      return logout(values, io);
    case "whoami":
      return whoami(values, io);
    case "conversations":
      return conversations(values, io);
    case "send":
      return send(values, positionals, io);
    case "tail":
      return tail(values, positionals, io);
    case "requests":
      return requests(values, io);
    case "accept":
    case "decline":
      return answer(name, values, positionals, io);
    case "block":
      return block(values, positionals, io);
    case "unblock":
      return unblock(positionals, io);
    case "blocked":
      return blocked(values, io);
    case "mute":
      return mute(values, positionals, io);
    case "unmute":
      return unmute(values, positionals, io);
    case "notify":
      return notify(values, positionals, io);
    case "dnd":
      return dnd(values, positionals, io);
    case "dm":
      return dm(values, positionals, io);
    case "group":
      return group(values, positionals, io);
    case "token":
      return token(values, positionals, io);
    case "2fa":
      return twoFactor(values, positionals, io);
    case "bot":
      return bot(values, positionals, io);
    case "hook":
      return hook(values, positionals, io);
    case "commands":
      return commands(values, positionals, io);
    case "devices":
      return devices(values, positionals, io);
    case "verify":
      return verify(values, positionals, io);
    case "run":
      return runCommand(values, positionals, io);
    case "members":
      return members(values, positionals, io);
    case "search":
      return search(values, positionals, io);
    case "edit":
      return edit(values, positionals, io);
    case "delete":
      return deleteCommand(values, positionals, io);
    case "react":
      return react(values, positionals, io);
    case "read":
      return read(values, positionals, io);
    case "download":
      return download(values, positionals, io);
    default:
      throw new Error(`command "${name}" has no handler`);
  }
}

function flushed(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => stream.write("", () => resolve()));
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  let code: number;
  try {
    code = await run(argv, processIo());
  } catch (err) {
    // Only the credential-free commands can fail with a 401 that is not a lost session.
    const authenticated = !["login", "register"].includes(argv[0] ?? "");
    const error = toCliError(err, authenticated);
    process.stderr.write(errorLine(error));
    code = error.exitCode;
  }
  // Exit explicitly: a socket's reconnect timer or a keep-alive connection must not keep
  // a finished command running, but what was written must get out first.
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  process.exit(code);
}

// A closed pipe (chat-client tail ... | head) is a normal way for output to end.
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code === "EPIPE") process.exit(EXIT_OK);
  throw err;
});

void main();
