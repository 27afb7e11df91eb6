/**
 * A chat-server subcommand: its name, the usage lines `--help` prints, and what it does.
 * Each command lives in its own module under commands/.
 */
export interface Command {
  name: string;
  /** Lines for `--help`: "usage  description" pairs. */
  usage: [string, string][];
  run(args: string[]): Promise<number>;
}
