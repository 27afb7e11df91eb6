/**
 * The "(edited)" mark on a message: a button that opens the message's earlier versions,
 * oldest first, each with the time it was written. A modal dialog: focus moves to its
 * Close button and stays inside, Escape or a press outside closes it, and focus goes back
 * to the mark. Bodies are shown as plain text, exactly as they were written.
 */
import type { MessageVersionView, MessageView } from "@private-chat/sdk";
import { render } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { api, errorText } from "../api.js";
import { fullTime } from "../format.js";
import { Icon } from "./icons.js";

type Loaded =
  | { state: "loading" }
  | { state: "failed"; error: string }
  | { state: "ready"; versions: MessageVersionView[] };

export function EditedMark({ message }: { message: MessageView }) {
  const [open, setOpen] = useState(false);
  const layer = useRef<HTMLDivElement | null>(null);
  // The dialog lives at the end of <body>, clear of the bubble's faded, floated stamp.
  useEffect(() => {
    if (!open) return;
    const host = document.createElement("div");
    document.body.append(host);
    layer.current = host;
    return () => {
      render(null, host);
      host.remove();
      layer.current = null;
    };
  }, [open]);
  useEffect(() => {
    if (open && layer.current)
      render(<EditHistory message={message} onClose={() => setOpen(false)} />, layer.current);
  });
  return (
    <>
      <button
        type="button"
        class="edited"
        aria-haspopup="dialog"
        title="Show earlier versions"
        onClick={() => setOpen(true)}
      >
        (edited)
      </button>{" "}
    </>
  );
}

function EditHistory({ message, onClose }: { message: MessageView; onClose: () => void }) {
  const [loaded, setLoaded] = useState<Loaded>({ state: "loading" });
  const panel = useRef<HTMLDivElement>(null);
  const close = useRef(onClose);
  close.current = onClose;
  const titleId = `history-${message.id}`;

  // Loaded again when the message is edited while the dialog is open.
  useEffect(() => {
    let live = true;
    setLoaded({ state: "loading" });
    api.messageVersions(message.id).then(
      (versions) => live && setLoaded({ state: "ready", versions }),
      (err: unknown) => live && setLoaded({ state: "failed", error: errorText(err) }),
    );
    return () => {
      live = false;
    };
  }, [message.id, message.edited_at]);

  useEffect(() => {
    const opener = document.activeElement as HTMLElement | null;
    panel.current?.querySelector<HTMLElement>("[data-close]")?.focus();
    const onKey = (event: KeyboardEvent) => {
      if (event.key === "Escape") {
        event.stopPropagation();
        close.current();
      } else if (event.key === "Tab") keepFocusIn(panel.current, event);
    };
    document.addEventListener("keydown", onKey, true);
    return () => {
      document.removeEventListener("keydown", onKey, true);
      opener?.focus();
    };
  }, []);

  return (
    <div class="history" role="dialog" aria-modal="true" aria-labelledby={titleId}>
      <button
        type="button"
        class="history-backdrop"
        tabIndex={-1}
        aria-hidden="true"
        onClick={onClose}
      />
      <div ref={panel} class="history-panel">
        <div class="history-head">
          <h2 id={titleId}>Earlier versions</h2>
          <button
            type="button"
            class="icon-btn"
            data-close
            aria-label="Close earlier versions"
            onClick={onClose}
          >
            <Icon name="close" />
          </button>
        </div>
        {loaded.state === "loading" && <p class="history-note">Loading…</p>}
        {loaded.state === "failed" && (
          <p class="history-note" role="alert">
            Could not load the earlier versions: {loaded.error}
          </p>
        )}
        {loaded.state === "ready" &&
          (loaded.versions.length === 0 ? (
            <p class="history-note">No earlier versions are kept.</p>
          ) : (
            <ol class="history-list">
              {loaded.versions.map((version, i) => (
                <li key={i}>
                  <time dateTime={new Date(version.edited_at).toISOString()}>
                    {fullTime(version.edited_at)}
                  </time>
                  <p class="history-body">{version.body}</p>
                </li>
              ))}
            </ol>
          ))}
      </div>
    </div>
  );
}

/** Wraps Tab and Shift+Tab around the dialog's own controls. */
function keepFocusIn(root: HTMLElement | null, event: KeyboardEvent): void {
  if (!root) return;
  const controls = [...root.querySelectorAll<HTMLElement>("button, [href], [tabindex]")].filter(
    (el) => el.tabIndex >= 0,
  );
  const first = controls[0];
  const last = controls.at(-1);
  if (!first || !last) return;
  const inside = root.contains(document.activeElement);
  if (event.shiftKey && (!inside || document.activeElement === first)) {
    event.preventDefault();
    last.focus();
  } else if (!event.shiftKey && (!inside || document.activeElement === last)) {
    event.preventDefault();
    first.focus();
  }
}
