/**
 * Two-factor sign-in in Settings: an authenticator app (set up with a QR code, or
 * removed), passkeys (added through the browser's prompt, or removed) and the recovery
 * codes left (renewed on demand). Every change asks for the password again; the server
 * hands out recovery codes with the first factor, shown once. Also the whole screen of an
 * account whose grace period is over (see EnrolmentScreen).
 */
import { RECOVERY_CODE_COUNT } from "@private-chat/protocol/two-factor";
import type { PasskeyView, TotpEnrolment } from "@private-chat/sdk";
import { useEffect, useState } from "preact/hooks";
import { api } from "../../api.js";
import { listTime } from "../../format.js";
import { createPasskey, passkeysAvailable } from "../../passkey-prompt.js";
import { toast } from "../../state/notices.js";
import { useStore } from "../../state/store.js";
import { loadTwoFactor, twoFactor } from "../../state/two-factor.js";
import { PasswordPrompt } from "./PasswordPrompt.js";
import { RecoveryCodes } from "./RecoveryCodes.js";
import { TotpSetup } from "./TotpSetup.js";

type Pending =
  | { kind: "totp" }
  | { kind: "remove-totp" }
  | { kind: "codes" }
  | { kind: "passkey" }
  | { kind: "remove-passkey"; passkey: PasskeyView };

function PasskeyRow({ passkey, onRemove }: { passkey: PasskeyView; onRemove: () => void }) {
  return (
    <li>
      <span class="strong">{passkey.name}</span>
      <span class="muted">
        added {listTime(passkey.created_at)} ·{" "}
        {passkey.last_used_at === null ? "never used" : `used ${listTime(passkey.last_used_at)}`}
      </span>
      <button type="button" class="danger-outline" onClick={onRemove}>
        Remove<span class="sr-only"> passkey {passkey.name}</span>
      </button>
    </li>
  );
}

export function TwoFactorSettings() {
  const status = useStore(twoFactor, (s) => s.status);
  const [pending, setPending] = useState<Pending | null>(null);
  const [enrolment, setEnrolment] = useState<TotpEnrolment | null>(null);
  const [codes, setCodes] = useState<string[] | null>(null);
  useEffect(() => void loadTwoFactor(), []);

  async function done(message: string | null, newCodes: string[] | null = null) {
    setPending(null);
    if (newCodes) setCodes(newCodes);
    if (message) toast(message);
    await loadTwoFactor();
  }

  async function confirm(form: FormData) {
    const password = String(form.get("password") ?? "");
    switch (pending?.kind) {
      case "totp":
        setEnrolment(await api.twoFactor.startTotp(password));
        setPending(null);
        return;
      case "remove-totp":
        await api.twoFactor.removeTotp(password);
        return done("The authenticator app no longer signs you in.");
      case "codes":
        return done(null, await api.twoFactor.renewRecoveryCodes(password));
      case "passkey": {
        const name = String(form.get("name") ?? "").trim() || "Passkey";
        const added = await api.twoFactor.addPasskey(name, await createPasskey(password));
        return done(`Passkey "${added.passkey.name}" added.`, added.recovery_codes);
      }
      case "remove-passkey":
        await api.twoFactor.removePasskey(pending.passkey.id, password);
        return done(`Passkey "${pending.passkey.name}" removed.`);
    }
  }

  const prompt = (kind: Pending["kind"], action: string, danger = false) =>
    pending?.kind === kind && (
      <PasswordPrompt
        action={action}
        danger={danger}
        onConfirm={confirm}
        onCancel={() => setPending(null)}
        fields={
          kind === "passkey" && (
            <label>
              Name of the passkey
              <input
                name="name"
                maxLength={64}
                placeholder="Laptop, security key…"
                // biome-ignore lint/a11y/noAutofocus: opened by the button just pressed
                autoFocus
              />
            </label>
          )
        }
      />
    );

  if (!status) return null;
  const anyFactor = status.totp || status.passkeys.length > 0;
  return (
    <section class="card stack" aria-labelledby="two-factor-title">
      <h3 id="two-factor-title">Two-factor sign-in</h3>
      <p class="muted">
        {anyFactor
          ? "Signing in with your password also asks for a code from your app or your passkey."
          : status.required
            ? "This server requires a second step at sign-in: set up an authenticator app or a passkey."
            : "Add a second step at sign-in, so your password alone cannot open your account."}
      </p>
      {codes && <RecoveryCodes codes={codes} onDone={() => setCodes(null)} />}

      <h4>Authenticator app</h4>
      {enrolment ? (
        <TotpSetup
          enrolment={enrolment}
          onCancel={() => setEnrolment(null)}
          onDone={(recovery) => {
            setEnrolment(null);
            void done("The authenticator app is set up.", recovery);
          }}
        />
      ) : status.totp ? (
        <div class="admin-inline">
          <span>On</span>
          <button
            type="button"
            class="danger-outline"
            onClick={() => setPending({ kind: "remove-totp" })}
          >
            Remove authenticator app
          </button>
        </div>
      ) : (
        <button type="button" onClick={() => setPending({ kind: "totp" })}>
          Set up authenticator app
        </button>
      )}
      {prompt("totp", "Continue")}
      {prompt("remove-totp", "Remove", true)}

      <h4>Passkeys</h4>
      {status.passkeys.length > 0 ? (
        <ul class="sessions" aria-label="Your passkeys">
          {status.passkeys.map((p) => (
            <PasskeyRow
              key={p.id}
              passkey={p}
              onRemove={() => setPending({ kind: "remove-passkey", passkey: p })}
            />
          ))}
        </ul>
      ) : (
        <p class="muted">
          No passkeys yet. A passkey signs you in with this device's screen lock or a security key.
        </p>
      )}
      {prompt("remove-passkey", "Remove passkey", true)}
      {passkeysAvailable() ? (
        <button type="button" onClick={() => setPending({ kind: "passkey" })}>
          Add a passkey
        </button>
      ) : (
        <p class="muted">This browser cannot make passkeys here (it needs https or localhost).</p>
      )}
      {prompt("passkey", "Add passkey")}

      {anyFactor && (
        <>
          <h4>Recovery codes</h4>
          <p class="muted">
            {status.recovery_codes_left} of {RECOVERY_CODE_COUNT} left.
          </p>
          <button type="button" onClick={() => setPending({ kind: "codes" })}>
            New recovery codes
          </button>
          {prompt("codes", "Make new codes")}
        </>
      )}
    </section>
  );
}
