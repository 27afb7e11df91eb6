/**
 * A chat-server subcommand: its name, the usage lines `--help` prints, the flags it takes,
 * and what it does. Each command lives in its own module under commands/.
 */
import type { Flags } from "./args.js";

export interface Command {
  name: string;
  /**
   * Lines for `--help`: "usage  description" pairs. A command with actions (`user create`,
   * `db migrate`) has one line per action, its second word naming the action.
   */
  usage: [string, string][];
  /** Every flag `run` accepts; `--help` lists them and parsing uses the same declaration. */
  flags: Flags;
  run(args: string[]): Promise<number>;
}
