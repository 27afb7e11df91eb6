/**
 * A form of recovery passphrases (KeyBackup.tsx: set up, restore, change): each field
 * with its hint and error read with it, a submit that says when it is at work, and a
 * cancel. The refusals come from the caller, which knows which field each is about.
 */
import type { ComponentChildren } from "preact";

/** One passphrase field; its `id` is also its form name. */
export interface PassphraseInput {
  id: string;
  label: string;
  autoComplete: "new-password" | "current-password";
  error: string | undefined;
  hint?: string;
}

function PassphraseField(props: PassphraseInput) {
  const { id, error, hint } = props;
  const described = [hint && `${id}-hint`, error && `${id}-error`].filter(Boolean).join(" ");
  return (
    <div class="stack">
      <label>
        {props.label}
        <input
          id={id}
          name={id}
          type="password"
          autoComplete={props.autoComplete}
          aria-invalid={error ? true : undefined}
          aria-describedby={described || undefined}
        />
      </label>
      {hint && (
        <p class="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {error && (
        <p class="error" id={`${id}-error`}>
          {error}
        </p>
      )}
    </div>
  );
}

export function PassphraseForm(props: {
  /** The form's accessible name. */
  label: string;
  /** What the form is for, read with it: shown above the fields. */
  about?: { id: string; text: ComponentChildren };
  fields: readonly PassphraseInput[];
  submit: string;
  /** The submit's text while `busy`. */
  submitting: string;
  busy: boolean;
  onSubmit: (event: Event) => void;
  onCancel: () => void;
}) {
  const { about, busy } = props;
  return (
    <form
      class="stack"
      onSubmit={props.onSubmit}
      noValidate
      aria-label={props.label}
      aria-describedby={about?.id}
    >
      {about && (
        <p class="muted" id={about.id}>
          {about.text}
        </p>
      )}
      {props.fields.map((field) => (
        <PassphraseField key={field.id} {...field} />
      ))}
      <div class="row-actions">
        <button type="submit" class="primary" disabled={busy}>
          {busy ? props.submitting : props.submit}
        </button>
        <button type="button" disabled={busy} onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
