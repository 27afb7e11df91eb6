/**
 * Recovery codes, shown the one time the server hands them out (it keeps only their
 * hashes): to copy, or save as a text file, before "Done".
 */
import { useState } from "preact/hooks";

export function RecoveryCodes({ codes, onDone }: { codes: string[]; onDone: () => void }) {
  const [said, setSaid] = useState("");
  const text = `${codes.join("\n")}\n`;

  async function copy() {
    try {
      // Missing outside secure contexts (plain http on another host than localhost).
      if (!navigator.clipboard) throw new Error("no clipboard");
      await navigator.clipboard.writeText(text);
      setSaid("Copied.");
    } catch {
      setSaid("Couldn't copy: select the codes and copy them by hand.");
    }
  }

  function download() {
    const url = URL.createObjectURL(new Blob([text], { type: "text/plain" }));
    const link = document.createElement("a");
    link.href = url;
    link.download = "private-chat-recovery-codes.txt";
    link.rel = "noopener";
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  }

  return (
    <div class="stack recovery">
      <h4 id="recovery-codes-title">Your recovery codes</h4>
      <p class="muted">
        Each signs you in once if you lose your phone or passkey. Keep them somewhere safe: they are
        shown only now.
      </p>
      <ul class="recovery-codes" aria-label="Recovery codes">
        {codes.map((code) => (
          <li key={code}>
            <code>{code}</code>
          </li>
        ))}
      </ul>
      <div class="admin-inline">
        <button type="button" onClick={() => void copy()}>
          Copy codes
        </button>
        <button type="button" onClick={download}>
          Download codes
        </button>
        <button type="button" class="primary" onClick={onDone}>
          Done
        </button>
        <span role="status" class="muted">
          {said}
        </span>
      </div>
    </div>
  );
}
