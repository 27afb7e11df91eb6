/**
 * A secret the server keeps only as a hash (an invite code, an access token), so this is
 * the one time it can be read: a read-only field (selectable by hand when the clipboard
 * is unavailable) and a copy button.
 */
import { useState } from "preact/hooks";

export function ShownOnce(props: {
  /** The heading's id, which names the section. */
  id: string;
  title: string;
  note: string;
  /** The field's label; also what the copy button copies ("Copy <thing>"). */
  label: string;
  thing: string;
  value: string;
}) {
  const [copied, setCopied] = useState<string | null>(null);
  async function copy() {
    try {
      // Missing outside secure contexts (plain http on another host than localhost).
      if (!navigator.clipboard) throw new Error("no clipboard");
      await navigator.clipboard.writeText(props.value);
      setCopied("Copied.");
    } catch {
      setCopied(`Couldn't copy: select the ${props.thing} and copy it by hand.`);
    }
  }
  return (
    <section class="card" aria-labelledby={props.id}>
      <h3 id={props.id}>{props.title}</h3>
      <p class="muted">{props.note}</p>
      <div class="admin-inline admin-bottom">
        <label class="admin-grow">
          {props.label}
          <input
            readOnly
            value={props.value}
            class="admin-code"
            onFocus={(e) => e.currentTarget.select()}
          />
        </label>
        <button type="button" onClick={() => void copy()}>
          Copy {props.thing}
        </button>
        <span role="status" class="muted">
          {copied ?? ""}
        </span>
      </div>
    </section>
  );
}
