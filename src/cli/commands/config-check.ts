/**
 * `chat-server config check --config FILE`: validates a configuration without starting.
 */
import { ConfigError, loadConfig } from "../../config/load.js";
import { checkSecrets } from "../../config/secrets.js";
import { checkVapidKeys } from "../../push/vapid-keys.js";
import { configFlag, parseCommandArgs, UsageError } from "../args.js";
import type { Command } from "../command.js";
import { USAGE as COMMAND_USAGE } from "../usage.js";

export async function configCheckCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, configFlag);
  if (positionals.length > 0)
    throw new UsageError(`unexpected arguments: ${positionals.join(" ")}`);
  const config = loadConfig({ file: values.config });
  const source = values.config ?? "(defaults)";
  const problems = [...checkSecrets(config, source), ...checkVapidKeys(config, source)];
  if (problems.length > 0) throw new ConfigError(problems);
  const where = config.database.type === "sqlite" ? config.database.path : "postgres";
  process.stdout.write(
    `ok: ${values.config ?? "(defaults)"} (listen ${config.server.host}:${config.server.port}, database ${where}, registration ${config.auth.registration})\n`,
  );
  return 0;
}

export const configCmd: Command = {
  name: "config",
  usage: COMMAND_USAGE.config,
  flags: configFlag,
  run: (args) => {
    if (args[0] !== "check")
      throw new UsageError("usage: chat-server config check [--config FILE]");
    return configCheckCommand(args.slice(1));
  },
};
