/**
 * `chat-server db migrate|status`: applies or lists schema migrations without serving.
 */

import { loadConfig } from "../../config/load.js";
import { schemaStatus } from "../../storage/migrate.js";
import { openStore } from "../../storage/store.js";
import { configFlag, parseCommandArgs, UsageError } from "../args.js";
import type { Command } from "../command.js";

export async function dbCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, configFlag);
  const action = positionals.length === 1 ? positionals[0] : undefined;
  if (action !== "migrate" && action !== "status")
    throw new UsageError("usage: chat-server db migrate|status [--config FILE]");
  const config = loadConfig({ file: values.config });
  const store = openStore(config.database);
  try {
    if (action === "migrate") {
      // Migrating writes: never into a damaged file. `status` only reads, for diagnosis.
      store.checkIntegrity();
      const result = await store.migrate();
      const applied = result.applied.length > 0 ? result.applied.join(", ") : "nothing to apply";
      process.stdout.write(`schema at ${result.current}: ${applied}\n`);
    } else {
      const status = await schemaStatus(store.db, store.type);
      process.stdout.write(
        `applied: ${status.applied.join(", ") || "none"}\npending: ${status.pending.join(", ") || "none"}\n`,
      );
      if (status.unknown.length > 0)
        process.stdout.write(`unknown (newer chat-server): ${status.unknown.join(", ")}\n`);
    }
  } finally {
    await store.close();
  }
  return 0;
}

export const dbCmd: Command = {
  name: "db",
  usage: [
    ["db migrate", "apply pending schema migrations and exit"],
    ["db status", "list applied and pending schema migrations"],
  ],
  flags: configFlag,
  run: dbCommand,
};
