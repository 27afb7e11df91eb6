/**
 * The audit log: one row per administrative action, written in the same transaction as
 * the change it records, read newest first by `chat-server audit` and the admin API.
 */
import type { Kysely, Selectable } from "kysely";
import type { AuditLogTable, Database } from "./schema.js";

/** Who took an action: an admin account, or the operator at the command line (no id). */
export interface AuditActor {
  id: string | null;
  label: string;
}

export interface NewAuditEntry {
  actor: AuditActor;
  action: string;
  targetType: string;
  targetId: string | null;
  details?: Record<string, unknown>;
  now: number;
}

export interface AuditEntry {
  id: number;
  at: number;
  actorId: string | null;
  actorLabel: string;
  action: string;
  targetType: string;
  targetId: string | null;
  details: Record<string, unknown>;
}

function parseDetails(text: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed !== null && typeof parsed === "object" && !Array.isArray(parsed))
      return parsed as Record<string, unknown>;
  } catch {
    // A row written by hand or by a broken build: show it, not fail the whole listing.
  }
  return { raw: text };
}

function toEntry(row: Selectable<AuditLogTable>): AuditEntry {
  return {
    id: Number(row.id),
    at: row.at,
    actorId: row.actor_id,
    actorLabel: row.actor_label,
    action: row.action,
    targetType: row.target_type,
    targetId: row.target_id,
    details: parseDetails(row.details),
  };
}

/** Which entries to list: all of them unless narrowed. */
export interface AuditFilter {
  limit: number;
  /** An entry's id: older entries only. */
  before?: number;
  /** The actor's label: a username, or "cli". */
  actor?: string;
  /** One action, or every action of a kind when it ends in "." ("user."). */
  action?: string;
  /** At or after this time (ms). */
  since?: number;
  /** Before this time (ms). */
  until?: number;
}

export class AuditStore {
  constructor(private readonly db: Kysely<Database>) {}

  async append(entry: NewAuditEntry): Promise<AuditEntry> {
    const row = await this.db
      .insertInto("audit_log")
      .values({
        at: entry.now,
        actor_id: entry.actor.id,
        actor_label: entry.actor.label,
        action: entry.action,
        target_type: entry.targetType,
        target_id: entry.targetId,
        details: JSON.stringify(entry.details ?? {}),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toEntry(row);
  }

  /** Entries newest first; `before` (an id) pages further back. */
  async list(filter: AuditFilter): Promise<AuditEntry[]> {
    let query = this.db
      .selectFrom("audit_log")
      .selectAll()
      .orderBy("id", "desc")
      .limit(filter.limit);
    if (filter.before !== undefined) query = query.where("id", "<", filter.before);
    if (filter.actor !== undefined) query = query.where("actor_label", "=", filter.actor);
    if (filter.action?.endsWith(".")) {
      // A kind of action: compared as a prefix, not a LIKE pattern, so "_" matches itself.
      const kind = filter.action;
      query = query.where((eb) =>
        eb(eb.fn("substr", [eb.ref("action"), eb.lit(1), eb.lit(kind.length)]), "=", kind),
      );
    } else if (filter.action !== undefined) query = query.where("action", "=", filter.action);
    if (filter.since !== undefined) query = query.where("at", ">=", filter.since);
    if (filter.until !== undefined) query = query.where("at", "<", filter.until);
    const rows = await query.execute();
    return rows.map(toEntry);
  }
}
