/**
 * `chat-server push generate-keys`: prints a new VAPID key pair for `[push]`, in TOML, to
 * paste into the configuration (every node of a cluster takes the same pair).
 */
import { generateVapidKeys } from "../../push/vapid-keys.js";
import { UsageError } from "../args.js";
import type { Command } from "../command.js";
import { USAGE as COMMAND_USAGE } from "../usage.js";

const USAGE = "usage: chat-server push generate-keys";

export async function pushCommand(args: string[]): Promise<number> {
  if (args[0] !== "generate-keys" || args.length > 1) throw new UsageError(USAGE);
  const keys = generateVapidKeys();
  process.stdout.write(
    `[push]\nvapid_public_key = "${keys.publicKey}"\nvapid_private_key = "${keys.privateKey}"\n`,
  );
  return 0;
}

export const pushCmd: Command = {
  name: "push",
  usage: COMMAND_USAGE.push,
  flags: {},
  run: pushCommand,
};
