/**
 * `chat-server audit [--limit N]`: not built yet.
 */
import { UsageError } from "../args.js";
import type { Command } from "../command.js";

export const auditCmd: Command = {
  name: "audit",
  usage: [["audit [--limit N]", "show the log of administrative actions"]],
  run: async () => {
    throw new UsageError("chat-server audit is not available in this version");
  },
};
