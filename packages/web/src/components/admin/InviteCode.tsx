/**
 * A new invite's code. The server keeps only its hash, so this is the one time it can be
 * read: a read-only field (selectable by hand when the clipboard is unavailable) and a copy
 * button.
 */
import { useState } from "preact/hooks";

export function InviteCode({ code }: { code: string }) {
  const [copied, setCopied] = useState<string | null>(null);
  async function copy() {
    try {
      // Missing outside secure contexts (plain http on another host than localhost).
      if (!navigator.clipboard) throw new Error("no clipboard");
      await navigator.clipboard.writeText(code);
      setCopied("Copied.");
    } catch {
      setCopied("Couldn't copy: select the code and copy it by hand.");
    }
  }
  return (
    <section class="card" aria-labelledby="invite-code-title">
      <h3 id="invite-code-title">Invite created</h3>
      <p class="muted">Share this code now: it will not be shown again.</p>
      <div class="admin-inline admin-bottom">
        <label class="admin-grow">
          Invite code
          <input
            readOnly
            value={code}
            class="admin-code"
            onFocus={(e) => e.currentTarget.select()}
          />
        </label>
        <button type="button" onClick={() => void copy()}>
          Copy code
        </button>
        <span role="status" class="muted">
          {copied ?? ""}
        </span>
      </div>
    </section>
  );
}
