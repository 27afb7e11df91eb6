/**
 * The password asked again before a second factor changes, in a small form under the
 * action that asked for it; `fields` adds what the action needs besides (a passkey's
 * name). A refusal shows in the form, which stays for another try.
 */
import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { errorText } from "../../api.js";
import { session } from "../../state/live.js";
import { useStore } from "../../state/store.js";

export function PasswordPrompt(props: {
  /** What the confirm button says ("Continue", "Remove"). */
  action: string;
  danger?: boolean;
  fields?: ComponentChildren;
  onConfirm: (form: FormData) => Promise<void>;
  onCancel: () => void;
}) {
  const username = useStore(session, (s) => s.user?.username ?? "");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await props.onConfirm(new FormData(event.currentTarget as HTMLFormElement));
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  }

  return (
    <form class="stack password-prompt" onSubmit={(e) => void submit(e)}>
      {props.fields}
      <input type="text" name="username" autoComplete="username" value={username} hidden readOnly />
      <label>
        Your password
        <input
          name="password"
          type="password"
          autoComplete="current-password"
          required
          // biome-ignore lint/a11y/noAutofocus: opened by the button just pressed, for this field
          autoFocus={!props.fields}
        />
      </label>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <div class="admin-inline">
        <button type="submit" class={props.danger ? "danger" : "primary"} disabled={busy}>
          {busy ? "Please wait…" : props.action}
        </button>
        <button type="button" onClick={props.onCancel} disabled={busy}>
          Cancel
        </button>
      </div>
    </form>
  );
}
