/**
 * Argument parsing shared by every chat-server subcommand, and the exit codes they use.
 */
import { type ParseArgsConfig, parseArgs } from "node:util";

export const EXIT_USAGE = 64;
export const EXIT_CONFIG = 78;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

type Options = NonNullable<ParseArgsConfig["options"]>;

export function parseCommandArgs<T extends Options>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    // Node's messages can span lines; a CLI error stays on one.
    throw new UsageError((err as Error).message.replace(/\s*\n\s*/g, " "));
  }
}

export const configOption = { config: { type: "string", short: "c" } } as const;
