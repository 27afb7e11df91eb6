/**
 * The sign-in's second step, for an account with a second factor: the password was right,
 * and the server asked for a code from the authenticator app, a recovery code, or the
 * account's passkey. "Back" returns to the password.
 */
import type { AuthResponse } from "@private-chat/sdk";
import { useState } from "preact/hooks";
import { api, errorText } from "../api.js";
import { answerWithPasskey, passkeysAvailable } from "../passkey-prompt.js";

export function SecondFactorStep(props: {
  username: string;
  password: string;
  onSignedIn: (auth: AuthResponse) => void;
  onBack: () => void;
}) {
  const [kind, setKind] = useState<"totp" | "recovery">("totp");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function attempt(factor: () => Promise<AuthResponse>) {
    setBusy(true);
    setError(null);
    try {
      props.onSignedIn(await factor());
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  }

  function submit(event: Event) {
    event.preventDefault();
    const value = String(new FormData(event.currentTarget as HTMLFormElement).get("code") ?? "");
    const code = value.trim();
    void attempt(() =>
      api.login(
        props.username,
        props.password,
        kind === "totp" ? { totp_code: code.replace(/\s+/g, "") } : { recovery_code: code },
      ),
    );
  }

  const withPasskey = () =>
    attempt(async () =>
      api.login(props.username, props.password, { passkey: await answerWithPasskey() }),
    );

  return (
    <div class="stack">
      <p class="muted">
        {kind === "totp"
          ? "Enter the 6-digit code your authenticator app shows for this account."
          : "Enter one of the recovery codes you saved when you set up two-factor sign-in. Each works once."}
      </p>
      <form onSubmit={submit} class="stack" key={kind}>
        <label>
          {kind === "totp" ? "Authentication code" : "Recovery code"}
          <input
            name="code"
            required
            autoComplete={kind === "totp" ? "one-time-code" : "off"}
            inputMode={kind === "totp" ? "numeric" : "text"}
            autoCapitalize="none"
            spellcheck={false}
            maxLength={kind === "totp" ? 16 : 64}
            // biome-ignore lint/a11y/noAutofocus: the one field of the step the person just reached
            autoFocus
          />
        </label>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="primary" disabled={busy}>
          {busy ? "Please wait…" : "Verify"}
        </button>
      </form>
      {passkeysAvailable() && (
        <button type="button" disabled={busy} onClick={() => void withPasskey()}>
          Use a passkey
        </button>
      )}
      <p class="switch">
        <button
          type="button"
          class="link"
          onClick={() => {
            setKind(kind === "totp" ? "recovery" : "totp");
            setError(null);
          }}
        >
          {kind === "totp" ? "Use a recovery code" : "Use the authenticator app"}
        </button>{" "}
        ·{" "}
        <button type="button" class="link" onClick={props.onBack}>
          Back
        </button>
      </p>
    </div>
  );
}
