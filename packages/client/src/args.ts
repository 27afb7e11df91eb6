/**
 * The command line: each command's options, and parsing with node:util parseArgs into a
 * command name, its option values and its positionals. The help text that documents them
 * is help-text.ts.
 */
import { type ParseArgsConfig, parseArgs } from "node:util";
import { usageError } from "./errors.js";

type Options = NonNullable<ParseArgsConfig["options"]>;

interface CommandSpec {
  options: Options;
  /** Names of the required positionals; `rest` takes one or more further words. */
  positionals: string[];
  /** At most this many positionals after the required ones (the command checks which). */
  optional?: number;
  rest?: boolean;
}

const json = { json: { type: "boolean" } } as const;
const encrypted = { encrypted: { type: "boolean" } } as const;
const authOptions = {
  server: { type: "string" },
  username: { type: "string" },
  "password-file": { type: "string" },
} as const;

export const COMMANDS: Record<string, CommandSpec> = {
  login: {
    options: { ...authOptions, code: { type: "string" }, provider: { type: "string" } },
    positionals: [],
  },
  register: {
    options: {
      ...authOptions,
      "invite-code": { type: "string" },
      "display-name": { type: "string" },
    },
    positionals: [],
  },
  logout: { options: {}, positionals: [] },
  whoami: { options: json, positionals: [] },
  conversations: { options: json, positionals: [] },
  send: {
    options: {
      ...json,
      attach: { type: "string", multiple: true },
      thread: { type: "string" },
      "also-to-conversation": { type: "boolean" },
      ...encrypted,
    },
    positionals: ["conversation", "text"],
    rest: true,
  },
  tail: {
    options: { ...json, ...encrypted, history: { type: "string" }, thread: { type: "string" } },
    positionals: ["conversation"],
  },
  requests: { options: json, positionals: [] },
  accept: { options: json, positionals: ["conversation"] },
  decline: { options: json, positionals: ["conversation"] },
  block: { options: json, positionals: ["username"] },
  unblock: { options: {}, positionals: ["username"] },
  blocked: { options: json, positionals: [] },
  mute: { options: { ...json, for: { type: "string" } }, positionals: ["conversation"] },
  unmute: { options: json, positionals: ["conversation"] },
  notify: { options: json, positionals: ["conversation", "level"] },
  dnd: { options: { ...json, zone: { type: "string" } }, positionals: [], optional: 2 },
  dm: { options: { ...json, ...encrypted }, positionals: ["username"] },
  group: { options: { ...json, ...encrypted }, positionals: ["action", "title"], rest: true },
  members: { options: json, positionals: ["conversation"], rest: true },
  search: { options: { ...json, in: { type: "string" } }, positionals: ["query"], rest: true },
  edit: { options: json, positionals: ["message-id", "text"], rest: true },
  delete: { options: json, positionals: ["message-id"] },
  react: {
    options: { ...json, remove: { type: "boolean" } },
    positionals: ["message-id", "emoji"],
  },
  read: { options: json, positionals: ["conversation"] },
  download: {
    options: { ...json, out: { type: "string" }, force: { type: "boolean" } },
    positionals: ["attachment-id"],
  },
  "2fa": {
    options: { ...json, "password-file": { type: "string" } },
    positionals: [],
    optional: 1,
  },
  token: {
    options: {
      ...json,
      scope: { type: "string", multiple: true },
      "expires-in-days": { type: "string" },
    },
    positionals: ["action"],
    optional: 1,
  },
  bot: {
    options: {
      ...json,
      scope: { type: "string", multiple: true },
      "display-name": { type: "string" },
      description: { type: "string" },
      usage: { type: "string" },
    },
    // Each action checks its own words (bot subscribe takes any number of events).
    positionals: ["action"],
    rest: true,
  },
  hook: { options: json, positionals: ["action"], rest: true },
  devices: {
    options: { ...json, conversation: { type: "string", multiple: true } },
    positionals: [],
    rest: true,
  },
  verify: { options: { ...json, confirm: { type: "boolean" } }, positionals: ["username"] },
  backup: {
    options: {
      ...json,
      "passphrase-file": { type: "string" },
      "new-passphrase-file": { type: "string" },
    },
    positionals: [],
    optional: 1,
  },
  commands: { options: json, positionals: ["conversation"] },
  run: { options: json, positionals: ["conversation", "command"], rest: true },
};

export type Values = Record<string, string | boolean | string[] | undefined>;

export type Parsed =
  | { kind: "help" }
  | { kind: "version" }
  | { kind: "interactive" }
  | { kind: "command"; name: string; values: Values; positionals: string[] };

export function parseCommandLine(argv: string[]): Parsed {
  const [first, ...rest] = argv;
  if (first === undefined) return { kind: "interactive" };
  if (first === "--help" || first === "-h" || first === "help") return { kind: "help" };
  if (first === "--version" || first === "-V") return { kind: "version" };
  const spec = COMMANDS[first];
  if (!spec || !Object.hasOwn(COMMANDS, first)) {
    throw usageError(
      first.startsWith("-") ? `unknown option "${first}"` : `unknown command "${first}"`,
    );
  }
  let parsed: { values: Values; positionals: string[] };
  try {
    parsed = parseArgs({
      args: rest,
      options: { ...spec.options, help: { type: "boolean", short: "h" } },
      allowPositionals: true,
      strict: true,
    }) as { values: Values; positionals: string[] };
  } catch (err) {
    throw usageError(`${first}: ${(err as Error).message}`);
  }
  if (parsed.values.help) return { kind: "help" };
  const { positionals } = parsed;
  const missing = spec.positionals[positionals.length];
  if (missing !== undefined) throw usageError(`${first}: missing <${missing}>`);
  const most = spec.positionals.length + (spec.optional ?? 0);
  if (!spec.rest && positionals.length > most) {
    throw usageError(`${first}: unexpected argument "${positionals[most]}"`);
  }
  return { kind: "command", name: first, values: parsed.values, positionals };
}

export function stringOption(values: Values, name: string): string | undefined {
  const value = values[name];
  return typeof value === "string" ? value : undefined;
}
