/**
 * `chat-server migrate-to-postgres --from PATH --to URL [--resume]`: not built yet.
 */
import { UsageError } from "../args.js";
import type { Command } from "../command.js";

export const migrateToPostgresCmd: Command = {
  name: "migrate-to-postgres",
  usage: [
    [
      "migrate-to-postgres --from PATH --to URL [--resume]",
      "copy a SQLite database into PostgreSQL and verify it",
    ],
  ],
  run: async () => {
    throw new UsageError("chat-server migrate-to-postgres is not available in this version");
  },
};
