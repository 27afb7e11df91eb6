/**
 * Settings an administrator changes while the server runs: the registration mode, the
 * retention defaults and the largest upload. The configuration file gives their values;
 * a change made over the admin API is kept in the database (server_settings) and wins
 * over the file on every node: at once on the node that made it, within a heartbeat
 * (10 s) on the others, and at every start. Each change is audited.
 *
 * The services read the values through this object at use time (`registration()`,
 * `maxFileBytes()`), and the retention policy is one object updated in place, so that
 * the sweep and the conversation service, which hold it, see a change without being
 * rebuilt.
 */
import type { SettingsBody, RuntimeSettings as Values } from "@private-chat/protocol/admin";
import { lockAdminChanges, recheckCaller } from "../auth/recheck.js";
import type { Config } from "../config/schema.js";
import type { RetentionPolicy } from "../messages/retention-policy.js";
import type { Store } from "../storage/store.js";
import type { AdminActor } from "./actors.js";

const NAMES = [
  "registration",
  "retention_messages_days",
  "retention_max_days",
  "max_file_bytes",
] as const satisfies readonly (keyof Values)[];

export function settingsFromConfig(config: Config): Values {
  return {
    registration: config.auth.registration,
    retention_messages_days: config.retention.messages_days,
    retention_max_days: config.retention.max_days,
    max_file_bytes: config.uploads.max_file_bytes,
  };
}

export class RuntimeSettings {
  private current: Values;
  /** The retention policy the sweep and the conversation service hold, kept current. */
  readonly retention: RetentionPolicy;

  constructor(
    private readonly store: Store,
    readonly defaults: Values,
  ) {
    this.current = { ...defaults };
    this.retention = { messages_days: 0, max_days: 0 };
    this.apply();
  }

  get values(): Values {
    return { ...this.current };
  }

  registration(): Values["registration"] {
    return this.current.registration;
  }

  maxFileBytes(): number {
    return this.current.max_file_bytes;
  }

  private apply(): void {
    this.retention.messages_days = this.current.retention_messages_days;
    this.retention.max_days = this.current.retention_max_days;
  }

  /** Reads the database's settings over the file's; a row that does not parse is ignored. */
  async refresh(): Promise<Values> {
    const rows = await this.store.db.selectFrom("server_settings").selectAll().execute();
    const next: Values = { ...this.defaults };
    for (const row of rows) {
      if (!(NAMES as readonly string[]).includes(row.name)) continue;
      try {
        (next as Record<string, unknown>)[row.name] = JSON.parse(row.value);
      } catch {
        // Written by this code only; a damaged row leaves the file's value.
      }
    }
    this.current = next;
    this.apply();
    return this.values;
  }

  /**
   * Changes settings (null: back to the file's value), audited in the same transaction,
   * and applies them on this node at once.
   */
  async update(actor: AdminActor, body: SettingsBody): Promise<Values> {
    const now = Date.now();
    const before = await this.refresh();
    await this.store.transaction(async (tx) => {
      await lockAdminChanges(tx);
      if (actor.caller) await recheckCaller(tx, actor.caller, { admin: true });
      const changes: Record<string, { from: unknown; to: unknown }> = {};
      for (const name of NAMES) {
        const wanted = body[name];
        if (wanted === undefined) continue;
        if (wanted === null) {
          await tx.db.deleteFrom("server_settings").where("name", "=", name).execute();
        } else {
          const value = JSON.stringify(wanted);
          await tx.db
            .insertInto("server_settings")
            .values({ name, value, updated_at: now })
            .onConflict((oc) => oc.column("name").doUpdateSet({ value, updated_at: now }))
            .execute();
        }
        const to = wanted ?? this.defaults[name];
        if (to !== before[name]) changes[name] = { from: before[name], to };
      }
      if (Object.keys(changes).length === 0) return;
      await tx.audit.append({
        actor: { id: actor.id, label: actor.label },
        action: "settings.update",
        targetType: "settings",
        targetId: null,
        details: { changes },
        now,
      });
    });
    return this.refresh();
  }
}
