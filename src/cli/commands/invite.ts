/**
 * `chat-server invite create|list|revoke`: invite codes from the server's
 * machine, each change audited with the actor "cli".
 */

import {
  DEFAULT_INVITE_HOURS,
  MAX_INVITE_HOURS,
  MAX_INVITE_USES,
} from "@private-chat/protocol/admin";
import { CLI_ACTOR } from "../../admin/actors.js";
import { inviteStatus, presentInvite } from "../../admin/present.js";
import { AdminService } from "../../admin/service.js";
import { formatInstant, formatJson, formatTable } from "../../admin/terminal.js";
import type { Invite } from "../../storage/invites.js";
import type { Store } from "../../storage/store.js";
import { configFlag, parseCommandArgs, UsageError } from "../args.js";
import type { Command } from "../command.js";
import { USAGE as COMMAND_USAGE } from "../usage.js";
import { withStore } from "../with-store.js";

const flags = {
  ...configFlag,
  "expires-in-hours": {
    value: "N",
    description: `hours until a created invite expires (default ${DEFAULT_INVITE_HOURS}, at most ${MAX_INVITE_HOURS})`,
  },
  uses: {
    value: "N",
    description: `how many accounts a created invite may open (default 1, at most ${MAX_INVITE_USES})`,
  },
  json: { description: "print the list as JSON" },
} as const;

function usage(): UsageError {
  return new UsageError(
    "usage: chat-server invite create [--expires-in-hours N] [--uses N] | list [--json] | revoke ID [--config FILE]",
  );
}

function parseHours(text: string | undefined): number {
  const hours = text === undefined ? DEFAULT_INVITE_HOURS : Number(text);
  if (!Number.isFinite(hours) || hours <= 0 || hours > MAX_INVITE_HOURS) {
    throw new UsageError(
      `--expires-in-hours takes a number of hours above 0 and at most ${MAX_INVITE_HOURS}`,
    );
  }
  return hours;
}

function parseUses(text: string | undefined): number {
  const uses = text === undefined ? 1 : Number(text);
  if (!Number.isInteger(uses) || uses < 1 || uses > MAX_INVITE_USES) {
    throw new UsageError(`--uses takes a whole number from 1 to ${MAX_INVITE_USES}`);
  }
  return uses;
}

async function inviteTable(store: Store, invites: Invite[]): Promise<string> {
  const now = Date.now();
  const names = await store.users.byIds(
    invites.flatMap((i) => [i.createdBy, i.usedBy]).filter((id): id is string => id !== null),
  );
  const who = (id: string | null, none: string) =>
    id === null ? none : (names.get(id)?.username ?? id);
  return formatTable(
    ["id", "status", "uses", "created", "by", "expires", "last used by"],
    invites.map((i) => [
      i.id,
      inviteStatus(i, now),
      `${i.uses}/${i.maxUses}`,
      formatInstant(i.createdAt),
      who(i.createdBy, "cli"),
      formatInstant(i.expiresAt),
      who(i.usedBy, "-"),
    ]),
  );
}

export async function inviteCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, flags);
  const [action, ...operands] = positionals;
  const hoursGiven = values["expires-in-hours"] !== undefined || values.uses !== undefined;
  if (action === "create") {
    if (operands.length > 0 || values.json) throw usage();
    const hours = parseHours(values["expires-in-hours"]);
    const maxUses = parseUses(values.uses);
    const { invite, code } = await withStore(values.config, (store) =>
      new AdminService({ store }).createInvite(CLI_ACTOR, { expiresInHours: hours, maxUses }),
    );
    // The code alone on stdout, so scripts can capture it; the rest is for the operator.
    process.stdout.write(`${code}\n`);
    process.stderr.write(
      `${invite.maxUses === 1 ? "single-use invite" : `invite for ${invite.maxUses} accounts`} ${invite.id}, valid until ${new Date(invite.expiresAt ?? 0).toISOString()}\n`,
    );
    return 0;
  }
  if (action === "list") {
    if (operands.length > 0 || hoursGiven) throw usage();
    const text = await withStore(values.config, async (store) => {
      const invites = await new AdminService({ store }).listInvites();
      if (!values.json) return inviteTable(store, invites);
      const now = Date.now();
      return formatJson({ invites: invites.map((invite) => presentInvite(invite, now)) });
    });
    process.stdout.write(text);
    return 0;
  }
  if (action === "revoke") {
    const [id] = operands;
    if (id === undefined || operands.length > 1 || hoursGiven || values.json) throw usage();
    await withStore(values.config, (store) =>
      new AdminService({ store }).revokeInvite(CLI_ACTOR, id),
    );
    process.stdout.write(`revoked invite ${id}\n`);
    return 0;
  }
  throw usage();
}

export const inviteCmd: Command = {
  name: "invite",
  usage: COMMAND_USAGE.invite,
  flags,
  run: inviteCommand,
};
