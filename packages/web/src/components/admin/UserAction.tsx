/**
 * What every account action in the console shares: one call at a time, and the server's
 * refusal (an administrator disabling themselves, a taken username) shown beside it.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { errorText } from "../../api.js";

export interface UserAction {
  busy: boolean;
  error: string | null;
  run: (work: () => Promise<void>) => Promise<void>;
}

export function useUserAction(): UserAction {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  async function run(work: () => Promise<void>) {
    setBusy(true);
    setError(null);
    try {
      await work();
    } catch (err) {
      setError(errorText(err));
    }
    setBusy(false);
  }
  return { busy, error, run };
}

export function UserError({ error }: { error: string | null }) {
  return error ? (
    <p class="error" role="alert">
      {error}
    </p>
  ) : null;
}

/**
 * A password the server made up, in a read-only field to select and copy: it is shown
 * this once, as only its hash is kept.
 */
export function UserPassword({ label, value }: { label: string; value: string }) {
  const field = useRef<HTMLInputElement>(null);
  // Brought into view and selected, ready to copy: below the form on a phone it would go unseen.
  useEffect(() => field.current?.focus(), [value]);
  return (
    <div class="admin-secret">
      <label>
        {label}
        <input
          ref={field}
          class="admin-secret-value"
          type="text"
          readOnly
          value={value}
          autoComplete="off"
          spellcheck={false}
          onFocus={(event) => event.currentTarget.select()}
        />
      </label>
      <p class="hint">Shown only this once: copy it now and hand it over safely.</p>
    </div>
  );
}
