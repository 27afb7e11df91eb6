/**
 * `chat-server audit [--limit N] [--actor NAME] [--action ACTION] [--since TIME]
 * [--until TIME] [--json]`: the newest administrative actions, from the CLI and the admin
 * API alike, newest first.
 */
import { MAX_AUDIT_FILTER } from "@private-chat/protocol/admin";
import { presentAuditEntry } from "../../admin/present.js";
import { AdminService } from "../../admin/service.js";
import { formatInstant, formatJson, formatTable } from "../../admin/terminal.js";
import type { AuditEntry, AuditFilter } from "../../storage/audit.js";
import { configFlag, parseCommandArgs, UsageError } from "../args.js";
import type { Command } from "../command.js";
import { USAGE as COMMAND_USAGE } from "../usage.js";
import { withStore } from "../with-store.js";

const DEFAULT_LIMIT = 50;

const flags = {
  ...configFlag,
  limit: { value: "N", description: `how many entries to show (default ${DEFAULT_LIMIT})` },
  actor: { value: "NAME", description: "only actions by this username (cli: this command line)" },
  action: {
    value: "ACTION",
    description: "only this action (user.disable), or every action of a kind (user.)",
  },
  since: {
    value: "TIME",
    description: "only actions at or after TIME (2026-12-01, or with a time)",
  },
  until: { value: "TIME", description: "only actions before TIME" },
  json: { description: "print the entries as JSON" },
} as const;

function parseLimit(text: string | undefined): number {
  if (text === undefined) return DEFAULT_LIMIT;
  const limit = Number(text);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1_000_000)
    throw new UsageError("--limit takes a whole number from 1");
  return limit;
}

/** A moment the operator typed: an ISO 8601 date, or a date and time (UTC unless told). */
function parseTime(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const plainTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(text);
  const at = Date.parse(plainTime ? `${text}Z` : text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(at))
    throw new UsageError(
      `--${flag} takes a date (2026-12-01) or a date and time (2026-12-01T09:30)`,
    );
  return at;
}

function parseFilterText(flag: string, text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  if (text.length === 0 || text.length > MAX_AUDIT_FILTER)
    throw new UsageError(`--${flag} takes 1 to ${MAX_AUDIT_FILTER} characters`);
  return text;
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
    throw new UsageError(
      "usage: chat-server audit [--limit N] [--actor NAME] [--action ACTION] [--since TIME] [--until TIME] [--json] [--config FILE]",
    );
  const filter: AuditFilter = { limit: parseLimit(values.limit) };
  const actor = parseFilterText("actor", values.actor);
  const action = parseFilterText("action", values.action);
  const since = parseTime("since", values.since);
  const until = parseTime("until", values.until);
  if (actor !== undefined) filter.actor = actor;
  if (action !== undefined) filter.action = action;
  if (since !== undefined) filter.since = since;
  if (until !== undefined) filter.until = until;
  const entries = await withStore(values.config, (store) =>
    new AdminService({ store }).listAudit(filter),
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
