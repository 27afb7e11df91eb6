/**
 * Argument parsing shared by every chat-server subcommand, and the exit codes they use.
 * A command declares its flags once (name, value placeholder, description); the parser
 * and the `--help` text both come from that declaration, so help cannot miss a flag.
 */
import { parseArgs } from "node:util";

export const EXIT_USAGE = 64;
export const EXIT_CONFIG = 78;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

export interface Flag {
  /** Placeholder for the flag's value (e.g. "FILE"); a flag without one is a switch. */
  value?: string;
  short?: string;
  description: string;
  /** Listed under every action of a command with actions (e.g. --config). */
  everyAction?: boolean;
}

export type Flags = Record<string, Flag>;

export type FlagValues<F extends Flags> = {
  [K in keyof F]?: F[K] extends { value: string } ? string : boolean;
};

export function parseCommandArgs<F extends Flags>(
  args: string[],
  flags: F,
): { values: FlagValues<F>; positionals: string[] } {
  const options = Object.fromEntries(
    Object.entries(flags).map(([name, flag]) => [
      name,
      {
        type: flag.value === undefined ? ("boolean" as const) : ("string" as const),
        ...(flag.short === undefined ? {} : { short: flag.short }),
      },
    ]),
  );
  try {
    const parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
    return { values: parsed.values as FlagValues<F>, positionals: parsed.positionals };
  } catch (err) {
    // Node's messages can span lines; a CLI error stays on one.
    throw new UsageError((err as Error).message.replace(/\s*\n\s*/g, " "));
  }
}

export const configFlag = {
  config: {
    value: "FILE",
    short: "c",
    description:
      "configuration file (TOML); CHAT_<SECTION>_<KEY> environment variables override it",
    everyAction: true,
  },
} as const satisfies Flags;

/** `-h`/`--help` anywhere before a `--` asks for the command's help instead of running it. */
export function wantsHelp(args: string[]): boolean {
  const end = args.indexOf("--");
  return (end === -1 ? args : args.slice(0, end)).some((a) => a === "--help" || a === "-h");
}
