/**
 * `chat-server restore FILE [--passphrase-file FILE]`: not built yet.
 */
import { UsageError } from "../args.js";
import type { Command } from "../command.js";

export const restoreCmd: Command = {
  name: "restore",
  usage: [
    [
      "restore FILE [--passphrase-file FILE]",
      "check a backup and put it in place of the database (server stopped)",
    ],
  ],
  run: async () => {
    throw new UsageError("chat-server restore is not available in this version");
  },
};
