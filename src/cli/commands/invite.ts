/**
 * `chat-server invite create [--expires-in-hours N]`: prints a single-use invite code.
 */

import { randomBytes, randomUUID } from "node:crypto";
import { configOption, parseCommandArgs, UsageError } from "../args.js";
import type { Command } from "../command.js";
import { withStore } from "../with-store.js";

const USAGE = "usage: chat-server invite create [--expires-in-hours N] [--config FILE]";

export async function inviteCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
    ...configOption,
    "expires-in-hours": { type: "string" },
  });
  if (positionals[0] !== "create" || positionals.length > 1) throw new UsageError(USAGE);
  const hours = Number(values["expires-in-hours"] ?? "168");
  if (!Number.isFinite(hours) || hours <= 0)
    throw new UsageError("--expires-in-hours takes a positive number");
  const code = randomBytes(12).toString("base64url");
  const now = Date.now();
  const invite = await withStore(values.config, (store) =>
    store.invites.create({
      id: randomUUID(),
      code,
      createdBy: null,
      now,
      expiresAt: now + hours * 3_600_000,
    }),
  );
  process.stdout.write(`${code}\n`);
  process.stderr.write(
    `single-use invite ${invite.id}, valid until ${new Date(invite.expiresAt ?? 0).toISOString()}\n`,
  );
  return 0;
}

export const inviteCmd: Command = {
  name: "invite",
  usage: [
    ["invite create [--expires-in-hours N]", "print a single-use invite code (default 168 h)"],
  ],
  run: inviteCommand,
};
