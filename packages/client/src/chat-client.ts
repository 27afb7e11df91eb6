#!/usr/bin/env node
/**
 * The chat-client command: parses the command line, runs one command, and turns its
 * outcome into an exit status (0 ok, 1 error, 2 not logged in, 3 a bot that did not
 * answer `run`) with a one-line message. Each command's module is loaded when that
 * command runs: a short command (`--help`, `conversations`) does not pay for loading
 * end-to-end encryption, the socket and every other command.
 */
import { parseCommandLine, type Values } from "./args.js";
import { EXIT_OK, errorLine, toCliError } from "./errors.js";
import { HELP } from "./help-text.js";
import { type Io, processIo } from "./io.js";
import { VERSION } from "./version.js";

interface Command {
  name: string;
  values: Values;
  positionals: string[];
}

const RUNNERS: Record<string, (c: Command, io: Io) => Promise<number>> = {
  login: async (c, io) => (await import("./commands/auth.js")).login(c.values, io),
  register: async (c, io) => (await import("./commands/auth.js")).register(c.values, io),
  logout: async (c, io) => (await import("./commands/auth.js")).logout(c.values, io),
  whoami: async (c, io) => (await import("./commands/auth.js")).whoami(c.values, io),
  conversations: async (c, io) =>
    (await import("./commands/conversations.js")).conversations(c.values, io),
  send: async (c, io) => (await import("./commands/send.js")).send(c.values, c.positionals, io),
  tail: async (c, io) => (await import("./commands/tail.js")).tail(c.values, c.positionals, io),
  requests: async (c, io) => (await import("./commands/requests.js")).requests(c.values, io),
  accept: async (c, io) =>
    (await import("./commands/requests.js")).answer("accept", c.values, c.positionals, io),
  decline: async (c, io) =>
    (await import("./commands/requests.js")).answer("decline", c.values, c.positionals, io),
  block: async (c, io) => (await import("./commands/blocks.js")).block(c.values, c.positionals, io),
  unblock: async (c, io) => (await import("./commands/blocks.js")).unblock(c.positionals, io),
  blocked: async (c, io) => (await import("./commands/blocks.js")).blocked(c.values, io),
  mute: async (c, io) =>
    (await import("./commands/notifications.js")).mute(c.values, c.positionals, io),
  unmute: async (c, io) =>
    (await import("./commands/notifications.js")).unmute(c.values, c.positionals, io),
  notify: async (c, io) =>
    (await import("./commands/notifications.js")).notify(c.values, c.positionals, io),
  dnd: async (c, io) => (await import("./commands/dnd.js")).dnd(c.values, c.positionals, io),
  dm: async (c, io) => (await import("./commands/direct.js")).dm(c.values, c.positionals, io),
  group: async (c, io) => (await import("./commands/groups.js")).group(c.values, c.positionals, io),
  token: async (c, io) => (await import("./commands/tokens.js")).token(c.values, c.positionals, io),
  "2fa": async (c, io) =>
    (await import("./commands/two-factor.js")).twoFactor(c.values, c.positionals, io),
  bot: async (c, io) => (await import("./commands/tokens.js")).bot(c.values, c.positionals, io),
  hook: async (c, io) => (await import("./commands/hooks.js")).hook(c.values, c.positionals, io),
  commands: async (c, io) =>
    (await import("./commands/slash-commands.js")).commands(c.values, c.positionals, io),
  devices: async (c, io) =>
    (await import("./commands/devices.js")).devices(c.values, c.positionals, io),
  verify: async (c, io) =>
    (await import("./commands/verify.js")).verify(c.values, c.positionals, io),
  backup: async (c, io) =>
    (await import("./commands/backup.js")).backup(c.values, c.positionals, io),
  run: async (c, io) =>
    (await import("./commands/slash-commands.js")).run(c.values, c.positionals, io),
  members: async (c, io) =>
    (await import("./commands/groups.js")).members(c.values, c.positionals, io),
  search: async (c, io) =>
    (await import("./commands/search.js")).search(c.values, c.positionals, io),
  edit: async (c, io) =>
    (await import("./commands/message-actions.js")).edit(c.values, c.positionals, io),
  delete: async (c, io) =>
    (await import("./commands/message-actions.js")).deleteCommand(c.values, c.positionals, io),
  react: async (c, io) =>
    (await import("./commands/message-actions.js")).react(c.values, c.positionals, io),
  read: async (c, io) =>
    (await import("./commands/message-actions.js")).read(c.values, c.positionals, io),
  download: async (c, io) =>
    (await import("./commands/download.js")).download(c.values, c.positionals, io),
};

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
      return (await import("./interactive.js")).interactive(io);
  }
  const runner = RUNNERS[parsed.name];
  if (!runner || !Object.hasOwn(RUNNERS, parsed.name))
    throw new Error(`command "${parsed.name}" has no handler`);
  return runner(parsed, io);
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
