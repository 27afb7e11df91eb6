/**
 * `chat-server backup --out FILE [--encrypt --passphrase-file FILE]`: not built yet.
 */
import { UsageError } from "../args.js";
import type { Command } from "../command.js";

export const backupCmd: Command = {
  name: "backup",
  usage: [
    [
      "backup --out FILE [--encrypt --passphrase-file FILE]",
      "write a consistent, optionally encrypted copy of the SQLite database while the server runs",
    ],
  ],
  run: async () => {
    throw new UsageError("chat-server backup is not available in this version");
  },
};
