/**
 * `chat-server sessions revoke-all`: not built yet.
 */
import { UsageError } from "../args.js";
import type { Command } from "../command.js";

export const sessionsCmd: Command = {
  name: "sessions",
  usage: [["sessions revoke-all", "end every session on the server (suspected token leak)"]],
  run: async () => {
    throw new UsageError("chat-server sessions is not available in this version");
  },
};
