/** The form that makes a new invite: how long it lasts, and how many accounts it may open. */
import type { AdminCreatedInvite } from "@private-chat/protocol/admin";
import { MAX_INVITE_HOURS, MAX_INVITE_USES } from "@private-chat/protocol/admin";
import { useState } from "preact/hooks";
import { api, errorText } from "../../api.js";

const HOURS = { hours: 1, days: 24 } as const;
type Unit = keyof typeof HOURS;

export function InviteForm({ onCreated }: { onCreated: (created: AdminCreatedInvite) => void }) {
  const [unit, setUnit] = useState<Unit>("days");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit(event: Event) {
    event.preventDefault();
    const data = new FormData(event.currentTarget as HTMLFormElement);
    setBusy(true);
    try {
      onCreated(
        await api.admin.createInvite({
          expires_in_hours: Number(data.get("expires")) * HOURS[unit],
          max_uses: Number(data.get("uses")),
        }),
      );
      setError(null);
    } catch (err) {
      setError(errorText(err));
    }
    setBusy(false);
  }

  return (
    <form class="card stack" aria-labelledby="invite-form-title" onSubmit={submit}>
      <h3 id="invite-form-title">New invite</h3>
      <div class="admin-fields">
        <label>
          Expires after
          <input
            name="expires"
            type="number"
            inputMode="numeric"
            min={1}
            max={MAX_INVITE_HOURS / HOURS[unit]}
            defaultValue="7"
            required
          />
        </label>
        <label>
          Unit
          <select value={unit} onChange={(e) => setUnit(e.currentTarget.value as Unit)}>
            <option value="hours">hours</option>
            <option value="days">days</option>
          </select>
        </label>
        <label>
          Number of uses
          <input
            name="uses"
            type="number"
            inputMode="numeric"
            min={1}
            max={MAX_INVITE_USES}
            defaultValue="1"
            required
          />
        </label>
      </div>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" class="primary" disabled={busy}>
        Create invite
      </button>
    </form>
  );
}
