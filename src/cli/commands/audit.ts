/**
 * `chat-server audit [--limit N] [--json]`: the newest administrative actions, from the
 * CLI and the admin API alike, newest first.
 */
import { presentAuditEntry } from "../../admin/present.js";
import { AdminService } from "../../admin/service.js";
import { formatInstant, formatJson, formatTable } from "../../admin/terminal.js";
import type { AuditEntry } from "../../storage/audit.js";
import { configFlag, parseCommandArgs, UsageError } from "../args.js";
import type { Command } from "../command.js";
import { USAGE as COMMAND_USAGE } from "../usage.js";
import { withStore } from "../with-store.js";

const DEFAULT_LIMIT = 50;

const flags = {
  ...configFlag,
  limit: { value: "N", description: `how many entries to show (default ${DEFAULT_LIMIT})` },
  json: { description: "print the entries as JSON" },
} as const;

function parseLimit(text: string | undefined): number {
  if (text === undefined) return DEFAULT_LIMIT;
  const limit = Number(text);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1_000_000)
    throw new UsageError("--limit takes a whole number from 1");
  return limit;
}

/** Names the target by the username recorded with it when there is one. */
function targetOf(entry: AuditEntry): string {
  const { username } = entry.details;
  if (typeof username === "string") return `${entry.targetType} ${username}`;
  return entry.targetId === null ? entry.targetType : `${entry.targetType} ${entry.targetId}`;
}

function detailsOf(entry: AuditEntry): string {
  const { username: _shown, ...rest } = entry.details;
  return Object.keys(rest).length === 0 ? "" : JSON.stringify(rest);
}

function auditTable(entries: AuditEntry[]): string {
  return formatTable(
    ["at", "actor", "action", "target", "details"],
    entries.map((e) => [formatInstant(e.at), e.actorLabel, e.action, targetOf(e), detailsOf(e)]),
  );
}

export async function auditCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, flags);
  if (positionals.length > 0)
    throw new UsageError("usage: chat-server audit [--limit N] [--json] [--config FILE]");
  const limit = parseLimit(values.limit);
  const entries = await withStore(values.config, (store) =>
    new AdminService({ store }).listAudit({ limit }),
  );
  process.stdout.write(
    values.json ? formatJson({ entries: entries.map(presentAuditEntry) }) : auditTable(entries),
  );
  return 0;
}

export const auditCmd: Command = {
  name: "audit",
  usage: COMMAND_USAGE.audit,
  flags,
  run: auditCommand,
};
