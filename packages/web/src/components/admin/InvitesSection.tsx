/**
 * The admin console's invites: every invite with its state, a form for a new one (whose
 * code is shown once), and revoking one still active.
 */
import type { AdminCreatedInvite, InviteView } from "@private-chat/protocol/admin";
import { useState } from "preact/hooks";
import { api, errorText } from "../../api.js";
import { fullTime } from "../../format.js";
import { InviteCode } from "./InviteCode.js";
import { InviteForm } from "./InviteForm.js";
import { SectionState, useSectionData } from "./SectionData.js";
import { SectionTable } from "./SectionTable.js";

const STATUS: Record<InviteView["status"], string> = {
  active: "Active",
  used: "Used up",
  revoked: "Revoked",
  expired: "Expired",
};

export function InvitesSection() {
  const invites = useSectionData(() => api.admin.invites());
  const [created, setCreated] = useState<AdminCreatedInvite | null>(null);
  return (
    <>
      <InviteForm
        onCreated={(next) => {
          setCreated(next);
          void invites.reload();
        }}
      />
      {created && <InviteCode key={created.invite.id} code={created.code} />}
      <section class="card" aria-labelledby="invites-title">
        <h3 id="invites-title">Invites</h3>
        <SectionState {...invites} />
        {invites.data?.length === 0 && <p class="muted">No invites yet.</p>}
        {invites.data && invites.data.length > 0 && (
          <InviteTable invites={invites.data} onChanged={invites.reload} />
        )}
      </section>
    </>
  );
}

function InviteTable({
  invites,
  onChanged,
}: {
  invites: InviteView[];
  onChanged: () => Promise<void>;
}) {
  return (
    <SectionTable caption="Invites, newest first" stacked>
      <thead>
        <tr>
          <th scope="col">Status</th>
          <th scope="col">Uses</th>
          <th scope="col">Expires</th>
          <th scope="col">Created</th>
          <th scope="col">
            <span class="sr-only">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {invites.map((invite) => (
          <InviteRow key={invite.id} invite={invite} onChanged={onChanged} />
        ))}
      </tbody>
    </SectionTable>
  );
}

function InviteRow({ invite, onChanged }: { invite: InviteView; onChanged: () => Promise<void> }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const created = fullTime(invite.created_at);
  async function revoke() {
    setBusy(true);
    try {
      await api.admin.revokeInvite(invite.id);
      await onChanged();
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  }
  return (
    <tr>
      <td data-label="Status">
        <span class={`invite-status ${invite.status}`}>{STATUS[invite.status]}</span>
      </td>
      <td data-label="Uses">
        {invite.uses} / {invite.max_uses}
      </td>
      <td data-label="Expires" class="admin-time">
        {invite.expires_at === null ? "Never" : fullTime(invite.expires_at)}
      </td>
      <td data-label="Created" class="admin-time">
        {created}
      </td>
      <td>
        {invite.status === "active" && (
          <button
            type="button"
            class="small danger-outline"
            disabled={busy}
            aria-label={`Revoke the invite created ${created}`}
            onClick={() => void revoke()}
          >
            Revoke
          </button>
        )}
        {error && (
          <span class="error" role="alert">
            {error}
          </span>
        )}
      </td>
    </tr>
  );
}
