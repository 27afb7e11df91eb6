/**
 * Attachments in the timeline (image previews that open a viewer, file cards that
 * download) and the tray of uploads waiting in the composer.
 */

import type { AttachmentView } from "@private-chat/sdk";
import { useEffect, useRef, useState } from "preact/hooks";
import {
  attachmentUrl,
  formatSize,
  removeUpload,
  saveAttachment,
  type UploadItem,
} from "../state/uploads.js";
import { Icon } from "./icons.js";

/** A blob: URL for the attachment, once fetched (undefined until then or on failure). */
function useBlobUrl(id: string, variant: "file" | "thumbnail"): string | undefined {
  const [url, setUrl] = useState<string | undefined>(undefined);
  useEffect(() => {
    let live = true;
    attachmentUrl(id, variant).then(
      (u) => live && setUrl(u),
      () => live && setUrl(undefined),
    );
    return () => {
      live = false;
    };
  }, [id, variant]);
  return url;
}

interface ViewerProps {
  /** The image's name: the dialog's and the image's. */
  name: string;
  /** Its blob: URL, undefined while it loads. */
  url: string | undefined;
  onSave: () => void;
  onClose: () => void;
}

/** The full image over the page, with Download and Close; an encrypted one's too (SealedFiles). */
export function ImageViewer({ name, url, onSave, onClose }: ViewerProps) {
  const closeButton = useRef<HTMLButtonElement>(null);
  const close = useRef(onClose);
  close.current = onClose;
  useEffect(() => {
    // Focus moves into the viewer and back to the preview that opened it.
    const opener = document.activeElement as HTMLElement | null;
    closeButton.current?.focus();
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== "Escape") return;
      event.stopPropagation();
      close.current();
    };
    document.addEventListener("keydown", onKey, true);
    return () => {
      document.removeEventListener("keydown", onKey, true);
      opener?.focus();
    };
  }, []);
  return (
    <div class="viewer" role="dialog" aria-modal="true" aria-label={name}>
      <button
        type="button"
        class="viewer-backdrop"
        tabIndex={-1}
        aria-hidden="true"
        onClick={onClose}
      />
      {url ? <img src={url} alt={name} /> : <p>Loading…</p>}
      <button
        ref={closeButton}
        type="button"
        class="icon-btn viewer-close"
        aria-label="Close image"
        onClick={onClose}
      >
        <Icon name="close" />
      </button>
      <button type="button" class="viewer-save" onClick={onSave}>
        Download
      </button>
    </div>
  );
}

function PlainViewer({ view, onClose }: { view: AttachmentView; onClose: () => void }) {
  const url = useBlobUrl(view.id, "file");
  return (
    <ImageViewer
      name={view.name}
      url={url}
      onSave={() => void saveAttachment(view)}
      onClose={onClose}
    />
  );
}

function ImagePreview({ view }: { view: AttachmentView }) {
  const url = useBlobUrl(view.id, "thumbnail");
  const [open, setOpen] = useState(false);
  const ratio = view.width && view.height ? `${view.width} / ${view.height}` : undefined;
  return (
    <>
      <button
        type="button"
        class="att-image"
        aria-label={`Open image ${view.name}`}
        onClick={() => setOpen(true)}
        style={ratio ? { aspectRatio: ratio } : undefined}
      >
        {url && <img src={url} alt={view.name} />}
      </button>
      {open && <PlainViewer view={view} onClose={() => setOpen(false)} />}
    </>
  );
}

function FileCard({ view }: { view: AttachmentView }) {
  return (
    <button
      type="button"
      class="att-file"
      aria-label={`Download ${view.name}, ${formatSize(view.size)}`}
      onClick={() => void saveAttachment(view)}
    >
      <Icon name="file" />
      <span class="att-name">{view.name}</span>
      {/* The leading space keeps name and size apart in the text the label must contain. */}
      <span class="att-size"> {formatSize(view.size)}</span>
    </button>
  );
}

export function AttachmentList({ attachments }: { attachments: AttachmentView[] }) {
  return (
    <div class="attachments">
      {attachments.map((view) =>
        view.thumbnail ? (
          <ImagePreview key={view.id} view={view} />
        ) : (
          <FileCard key={view.id} view={view} />
        ),
      )}
    </div>
  );
}

export function UploadTray({ tray, items }: { tray: string; items: UploadItem[] }) {
  if (items.length === 0) return null;
  return (
    <ul class="upload-tray" aria-label="Attachments to send">
      {items.map((item) => (
        <li key={item.key} class={item.error ? "upload failed" : "upload"}>
          <Icon name="file" />
          <span class="att-name">{item.name}</span>
          {item.error ? (
            <span class="att-size" role="alert">
              {item.error}
            </span>
          ) : item.view ? (
            // A sealed file's upload has the tag more: the size shown is the file's.
            <span class="att-size">{formatSize(item.sealed ? item.size : item.view.size)}</span>
          ) : item.sealing ? (
            <progress aria-label={`Encrypting ${item.name}`} />
          ) : (
            <progress max={1} value={item.progress} aria-label={`Uploading ${item.name}`} />
          )}
          <button
            type="button"
            class="icon-btn"
            aria-label={`Remove ${item.name}`}
            onClick={() => removeUpload(tray, item.key)}
          >
            <Icon name="close" />
          </button>
        </li>
      ))}
    </ul>
  );
}
