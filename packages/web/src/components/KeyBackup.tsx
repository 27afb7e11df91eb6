/**
 * Settings' key backup (docs/E2EE.md, "History on a new device"), on a browser that is
 * one of the person's devices: set up under a recovery passphrase typed twice, restored
 * on a browser that just became a device so that the messages sent before it joined open
 * here, the passphrase changed, and the backup removed after a confirmation. The work is
 * e2ee/key-backup.ts, loaded (with the MLS code) only when one of them is asked for; what
 * is shown here needs the server's answer and IndexedDB alone.
 */
import type { KeyBackupView } from "@private-chat/sdk";
import { useEffect, useState } from "preact/hooks";
import { api, errorText } from "../api.js";
import { backupKeyHere, forgetBackupKey } from "../e2ee/browser-db.js";
import type { BackupField } from "../e2ee/key-backup.js";
import { deviceHere, deviceOf } from "../e2ee/opened.js";
import { listTime, plural } from "../format.js";
import { session } from "../state/live.js";
import { useStore } from "../state/store.js";
import { PassphraseForm } from "./PassphraseForm.js";

type View = "idle" | "set-up" | "restore" | "passphrase" | "remove";
type Errors = Partial<Record<BackupField, string>>;

/**
 * What this browser holds: the server is asked about the backup only when it holds the
 * key (its answer without one would be a 404, and a person without a backup is no error).
 */
type Status = { keyHere: false } | { keyHere: true; backup: KeyBackupView };

function size(bytes: number): string {
  if (bytes < 1024) return plural(bytes, "byte");
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

const NEW_HINT = "At least 12 characters. Nobody can recover it for you: keep it safe.";

export function KeyBackup() {
  const userId = useStore(session, (s) => s.user?.id);
  const device = deviceOf(
    useStore(deviceHere, (d) => d),
    userId,
  );
  const [status, setStatus] = useState<Status | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [view, setView] = useState<View>("idle");
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<Errors>({});
  const [error, setError] = useState<string | null>(null);
  const [outcome, setOutcome] = useState("");

  const load = async (): Promise<void> => {
    if (!userId) return;
    try {
      setLoadError(null);
      if ((await backupKeyHere(userId)) === undefined) return setStatus({ keyHere: false });
      const backup = await api.keyBackup.get();
      if (backup) return setStatus({ keyHere: true, backup });
      // Removed from another device: its key here opens nothing any more.
      await forgetBackupKey(userId);
      setStatus({ keyHere: false });
      setOutcome("The key backup was removed from another device: this browser forgot its key.");
    } catch (err) {
      setLoadError(errorText(err));
    }
  };
  useEffect(() => void load(), [userId, device]);

  // A refusal about a field takes the focus there, where its error is read with it.
  useEffect(() => {
    const first = (["current", "passphrase", "again"] as const).find((f) => errors[f]);
    if (first) document.getElementById(`backup-${first}`)?.focus();
  }, [errors]);

  if (!userId || !device) return null;

  const show = (next: View) => {
    setView(next);
    setErrors({});
    setError(null);
  };

  /** Runs a step with the form's passphrases; its refusals shown at their fields. */
  async function act(event: Event, work: (fields: Record<string, string>) => Promise<string>) {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    const fields = Object.fromEntries(
      ["current", "passphrase", "again"].map((f) => [f, String(data.get(`backup-${f}`) ?? "")]),
    );
    setBusy(true);
    setErrors({});
    setError(null);
    setOutcome("");
    try {
      const done = await work(fields);
      form.reset();
      setView("idle");
      setOutcome(done);
      await load();
    } catch (err) {
      const field = (err as { field?: BackupField }).field;
      if (field) setErrors({ [field]: errorText(err) });
      else {
        setError(errorText(err));
        // Changed from elsewhere meanwhile, maybe: show what the server holds now.
        await load();
      }
    }
    setBusy(false);
  }

  const setUp = (event: Event) =>
    act(event, async ({ passphrase = "", again = "" }) => {
      const { setUpBackup } = await import("../e2ee/key-backup.js");
      const uploaded = await setUpBackup(userId, passphrase, again);
      const left =
        uploaded.leftOut > 0
          ? ` ${plural(uploaded.leftOut, "message")} too long for the backup ${uploaded.leftOut === 1 ? "was" : "were"} left out.`
          : "";
      return `Key backup set up: this browser uploaded ${plural(uploaded.uploaded, "chunk")} of its messages and keeps it up to date.${left}`;
    });

  const restore = (event: Event) =>
    act(event, async ({ passphrase = "" }) => {
      if (passphrase === "")
        throw Object.assign(new Error("Type your recovery passphrase."), { field: "passphrase" });
      const { restoreHere } = await import("../e2ee/key-backup.js");
      const restored = await restoreHere(userId, passphrase);
      const skipped = Object.keys(restored.skipped).length;
      const later =
        skipped > 0
          ? ` ${plural(skipped, "conversation")} could not be restored yet: this browser is not in ${skipped === 1 ? "it" : "them"} yet (a member's device adds it when it next sends there), so restore again later.`
          : "";
      return `Restored ${plural(restored.messages, "message")} in ${plural(restored.conversations, "conversation")}.${later}`;
    });

  const change = (event: Event) =>
    act(event, async ({ current = "", passphrase = "", again = "" }) => {
      if (current === "")
        throw Object.assign(new Error("Type your current passphrase."), { field: "current" });
      const { changePassphrase } = await import("../e2ee/key-backup.js");
      await changePassphrase(current, passphrase, again);
      return "The recovery passphrase is changed: the backup opens with the new one only.";
    });

  async function remove() {
    setBusy(true);
    setError(null);
    try {
      const { removeBackup } = await import("../e2ee/key-backup.js");
      await removeBackup(userId as string);
      setView("idle");
      setOutcome("The key backup is removed: its key and every chunk are gone from the server.");
      await load();
    } catch (err) {
      setError(errorText(err));
    }
    setBusy(false);
  }

  const backup = status?.keyHere ? status.backup : undefined;
  const formProps = (onSubmit: (event: Event) => void) => ({
    busy,
    onSubmit,
    onCancel: () => show("idle"),
  });
  return (
    <section class="card stack" aria-labelledby="key-backup-title">
      <h3 id="key-backup-title">Key backup</h3>
      <p class="muted">
        A key backup keeps the messages your devices opened in encrypted chats, encrypted under a
        recovery passphrase that only you know, so that a new device can read what was sent before
        it joined. The server cannot open it.
      </p>
      {loadError && (
        <p class="error" role="alert">
          {loadError}
        </p>
      )}
      {!status && !loadError && <p class="muted">Loading…</p>}
      {status && !backup && view === "idle" && (
        <>
          <p>
            This browser holds no key backup's key. Set up a key backup, or restore the one you set
            up on another device to read here the messages sent before this browser joined.
          </p>
          <div class="row-actions">
            <button type="button" onClick={() => show("set-up")}>
              Set up a key backup
            </button>
            <button type="button" onClick={() => show("restore")}>
              Restore from the key backup
            </button>
          </div>
        </>
      )}
      {status && !backup && view === "set-up" && (
        <PassphraseForm
          label="Set up a key backup"
          fields={[
            {
              id: "backup-passphrase",
              label: "Recovery passphrase",
              autoComplete: "new-password",
              error: errors.passphrase,
              hint: NEW_HINT,
            },
            {
              id: "backup-again",
              label: "Recovery passphrase again",
              autoComplete: "new-password",
              error: errors.again,
            },
          ]}
          submit="Set up backup"
          submitting="Setting up…"
          {...formProps(setUp)}
        />
      )}
      {backup && (
        <p>
          Set up {listTime(backup.created_at)}: {plural(backup.chunks, "chunk")},{" "}
          {size(backup.bytes)}. This browser holds its key and keeps it up to date.
        </p>
      )}
      {status && !backup && view === "restore" && (
        <PassphraseForm
          label="Restore from the key backup"
          about={{
            id: "backup-restore-about",
            text: "Type your recovery passphrase to read here the messages sent before this browser joined, and keep the backup up to date from this browser.",
          }}
          fields={[
            {
              id: "backup-passphrase",
              label: "Recovery passphrase",
              autoComplete: "current-password",
              error: errors.passphrase,
            },
          ]}
          submit="Restore"
          submitting="Restoring…"
          {...formProps(restore)}
        />
      )}
      {backup && view === "passphrase" && (
        <PassphraseForm
          label="Change the recovery passphrase"
          fields={[
            {
              id: "backup-current",
              label: "Current recovery passphrase",
              autoComplete: "current-password",
              error: errors.current,
            },
            {
              id: "backup-passphrase",
              label: "New recovery passphrase",
              autoComplete: "new-password",
              error: errors.passphrase,
              hint: NEW_HINT,
            },
            {
              id: "backup-again",
              label: "New recovery passphrase again",
              autoComplete: "new-password",
              error: errors.again,
            },
          ]}
          submit="Change passphrase"
          submitting="Changing…"
          {...formProps(change)}
        />
      )}
      {backup && view === "remove" && (
        <div class="row-actions">
          <span>
            Remove the key backup? Its key and every chunk leave the server, and no device can
            restore from it any more.
          </span>
          <button type="button" class="danger" disabled={busy} onClick={() => void remove()}>
            Remove backup
          </button>
          <button type="button" disabled={busy} onClick={() => show("idle")}>
            Cancel
          </button>
        </div>
      )}
      {backup && view === "idle" && (
        <div class="row-actions">
          <button type="button" onClick={() => show("passphrase")}>
            Change passphrase
          </button>
          <button type="button" class="danger-outline" onClick={() => show("remove")}>
            Remove key backup
          </button>
        </div>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <p class="muted" role="status">
        {outcome}
      </p>
    </section>
  );
}
