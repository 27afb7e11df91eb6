/**
 * `chat-server push generate-keys`: prints a new VAPID key pair for `[push]`, in TOML, to
 * paste into the configuration (every node of a cluster takes the same pair).
 */
import { generateVapidKeys } from "../../push/vapid-keys.js";
import { UsageError } from "../args.js";
import type { Command } from "../command.js";

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
  usage: [
    [
      "push generate-keys",
      "print a new VAPID key pair (P-256, base64url) for [push] (Web Push); every node takes the same pair, and a new pair makes browsers subscribe again, which the web app does by itself",
    ],
  ],
  flags: {},
  run: pushCommand,
};
