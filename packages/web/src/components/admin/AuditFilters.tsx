/**
 * The audit log's filters: who acted, what kind of action, and a time range. The server
 * takes an action either whole ("user.disable") or as a kind ending in "." ("user.").
 */
import type { AuditQuery } from "@private-chat/protocol/admin";

export type AuditFilter = Pick<AuditQuery, "actor" | "action" | "since" | "until">;

const ACTIONS = [
  "user.",
  "user.create",
  "user.disable",
  "user.enable",
  "user.promote",
  "user.demote",
  "user.reset_password",
  "user.delete",
  "user.sessions_revoked",
  "user.session_revoked",
  "invite.",
  "invite.create",
  "invite.revoke",
  "sessions.revoke_all",
  "settings.update",
  "export.",
  "export.account",
  "export.conversation",
];

/** A datetime-local value (the browser's time zone) as ms since the epoch, or none. */
function instant(value: FormDataEntryValue | null): number | undefined {
  if (typeof value !== "string" || value === "") return undefined;
  const ms = new Date(value).getTime();
  return Number.isNaN(ms) ? undefined : ms;
}

function text(value: FormDataEntryValue | null): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
}

export function AuditFilters({ onApply }: { onApply: (filter: AuditFilter) => void }) {
  function submit(event: Event) {
    event.preventDefault();
    const data = new FormData(event.currentTarget as HTMLFormElement);
    onApply({
      actor: text(data.get("actor")),
      action: text(data.get("action")),
      since: instant(data.get("since")),
      until: instant(data.get("until")),
    });
  }
  return (
    <form
      class="card stack"
      aria-labelledby="audit-filters-title"
      onSubmit={submit}
      onReset={() => onApply({})}
    >
      <h3 id="audit-filters-title">Filters</h3>
      <div class="admin-fields">
        <label>
          Actor
          <input name="actor" autoComplete="off" maxLength={64} placeholder="username or cli" />
        </label>
        <label>
          Action
          <input
            name="action"
            list="audit-actions"
            autoComplete="off"
            maxLength={64}
            placeholder="user. or user.disable"
          />
        </label>
        <datalist id="audit-actions">
          {ACTIONS.map((action) => (
            <option key={action} value={action} />
          ))}
        </datalist>
        <label>
          Since
          <input name="since" type="datetime-local" />
        </label>
        <label>
          Until
          <input name="until" type="datetime-local" />
        </label>
      </div>
      <div class="admin-inline">
        <button type="submit" class="primary">
          Apply filters
        </button>
        <button type="reset">Clear filters</button>
      </div>
    </form>
  );
}
