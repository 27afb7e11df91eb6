/**
 * `chat-server sessions revoke-all`: ends every session on the server, for a suspected
 * token leak. A running server closes the sockets when it next rechecks sessions.
 */
import { CLI_ACTOR } from "../../admin/actors.js";
import { AdminService } from "../../admin/service.js";
import { configFlag, parseCommandArgs, UsageError } from "../args.js";
import type { Command } from "../command.js";
import { USAGE as COMMAND_USAGE } from "../usage.js";
import { withStore } from "../with-store.js";

export async function sessionsCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, configFlag);
  if (positionals[0] !== "revoke-all" || positionals.length > 1)
    throw new UsageError("usage: chat-server sessions revoke-all [--config FILE]");
  const ended = await withStore(values.config, (store) =>
    new AdminService({ store }).revokeAllSessions(CLI_ACTOR),
  );
  process.stdout.write(`ended ${ended} session(s); everyone must sign in again\n`);
  return 0;
}

export const sessionsCmd: Command = {
  name: "sessions",
  usage: COMMAND_USAGE.sessions,
  flags: configFlag,
  run: sessionsCommand,
};
