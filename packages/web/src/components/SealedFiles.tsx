/**
 * The files of an encrypted message this browser's device opened (docs/E2EE.md,
 * "Encrypted attachments"): each with its real name and size, from the message, and a
 * button that downloads its ciphertext, opens it here with the key the message carries,
 * checks it and saves it under its name through a blob: URL. An image (by the type the
 * message gives) is opened as it is shown, and shown as a plain image is, its blob: URL
 * revoked once it is no longer shown. A file whose ciphertext does not open (changed on
 * the way or on the server, or damaged) says so; nothing of it is ever shown or saved.
 * The opening code (e2ee/sealed-files.ts) loads with the first file.
 */
import type { EncryptedFile } from "@private-chat/protocol/encrypted-content";
import { useEffect, useRef, useState } from "preact/hooks";
import type { OpenedFile } from "../e2ee/sealed-files.js";
import { formatSize } from "../state/uploads.js";
import { ImageViewer } from "./Attachments.js";
import { Icon } from "./icons.js";

/** Types shown inline: what an <img> decodes everywhere, and no script-bearing SVG. */
const INLINE_TYPES = new Set([
  "image/png",
  "image/jpeg",
  "image/gif",
  "image/webp",
  "image/avif",
  "image/bmp",
]);
/** A larger image is a file to save: opened inline it would sit whole in memory. */
const INLINE_MAX_BYTES = 32 * 1024 * 1024;

/** What a refused file says, whichever check failed. */
const REFUSED = "could not be opened: it was changed or is damaged";

function openHere(file: EncryptedFile): Promise<OpenedFile> {
  return import("../e2ee/sealed-files.js").then(
    ({ openSealedFile }) => openSealedFile(file),
    (err: unknown) => ({ failed: err instanceof Error ? err.message : String(err) }),
  );
}

/**
 * The name as shown and saved: the sender's device chose it, so no control or bidi
 * characters (which could make "exe.png" of "png.exe") and no path.
 */
function nameOf(file: EncryptedFile): string {
  const base = file.name.split(/[/\\]/).pop() ?? "";
  const clean = base.replace(/[\p{Cc}\p{Cf}\u2028\u2029]/gu, "").trim();
  return clean === "" ? "file" : clean;
}

/** The decrypted bytes as a blob (octet-stream unless shown inline, so nothing renders it). */
function blobOf(bytes: Uint8Array, type = "application/octet-stream"): Blob {
  // openFile's bytes are backed by an ArrayBuffer of their own.
  return new Blob([bytes as Uint8Array<ArrayBuffer>], { type });
}

/** Saves through a link, as a download link would; `url` stays valid for the download. */
function saveUrl(url: string, name: string): void {
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  link.rel = "noopener";
  document.body.append(link);
  link.click();
  link.remove();
}

function saveBytes(bytes: Uint8Array, name: string): void {
  const url = URL.createObjectURL(blobOf(bytes));
  saveUrl(url, name);
  // The browser reads the blob as the download starts; a minute is ample.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

type Problem = { refused: true } | { failed: string };

/** `announce`: the person asked for it (an alert); else it is read where it stands. */
function ProblemLine({
  name,
  problem,
  announce,
}: {
  name: string;
  problem: Problem;
  announce: boolean;
}) {
  return (
    <span class="att-problem" role={announce ? "alert" : undefined}>
      {"refused" in problem
        ? `${name} ${REFUSED}`
        : `${name} could not be downloaded (${problem.failed})`}
    </span>
  );
}

/** A file to save: downloaded and opened when asked, saved only once it opened. */
function SealedFileCard({ file, problem }: { file: EncryptedFile; problem?: Problem }) {
  const name = nameOf(file);
  const size = formatSize(file.size);
  const [opening, setOpening] = useState(false);
  const [failure, setFailure] = useState<{ problem: Problem; asked: boolean } | undefined>(
    problem && { problem, asked: false },
  );
  const save = async () => {
    setOpening(true);
    setFailure(undefined);
    const result = await openHere(file);
    setOpening(false);
    if ("bytes" in result) saveBytes(result.bytes, name);
    else setFailure({ problem: result, asked: true });
  };
  return (
    <div class="att-sealed">
      <button
        type="button"
        class="att-file"
        aria-label={`Download ${name}, ${size}`}
        aria-busy={opening}
        disabled={opening}
        onClick={() => void save()}
      >
        <Icon name="file" />
        <span class="att-name">{name}</span>
        {/* The leading space keeps name and size apart in the text the label must contain. */}
        <span class="att-size"> {size}</span>
      </button>
      {opening && <span class="att-note">Decrypting…</span>}
      {failure && <ProblemLine name={name} problem={failure.problem} announce={failure.asked} />}
    </div>
  );
}

type ImageState =
  | { opening: true }
  | { url: string }
  /** Not shown inline: it did not open, or the browser cannot decode it. */
  | { card: Problem | undefined };

/** An image, opened as it is shown; its blob: URL lives as long as it is shown. */
function SealedImage({ file }: { file: EncryptedFile }) {
  const name = nameOf(file);
  const [state, setState] = useState<ImageState>({ opening: true });
  const [open, setOpen] = useState(false);
  // Read again, the message gives an equal reference as a new object: opened once.
  const current = useRef(file);
  current.current = file;
  const identity = `${file.attachment_id}:${file.key}:${file.sha256}`;
  useEffect(() => {
    let live = true;
    let url: string | undefined;
    setState({ opening: true });
    void openHere(current.current).then((result) => {
      if (!live) return;
      if (!("bytes" in result)) {
        setState({ card: result });
        return;
      }
      url = URL.createObjectURL(blobOf(result.bytes, current.current.type));
      setState({ url });
    });
    return () => {
      live = false;
      if (url) URL.revokeObjectURL(url);
    };
  }, [identity]);

  if ("card" in state) return <SealedFileCard file={file} problem={state.card} />;
  if ("opening" in state)
    return (
      <div class="att-file att-opening" aria-busy="true">
        <Icon name="file" />
        <span class="att-name">{name}</span>
        <span class="att-size"> Decrypting…</span>
      </div>
    );
  const url = state.url;
  return (
    <>
      <button
        type="button"
        class="att-image"
        aria-label={`Open image ${name}`}
        onClick={() => setOpen(true)}
      >
        {/* Bytes that are not the image the type says: offered as a file instead. */}
        <img
          src={url}
          alt={name}
          onError={() => {
            URL.revokeObjectURL(url);
            setState({ card: undefined });
          }}
        />
      </button>
      {open && (
        <ImageViewer
          name={name}
          url={url}
          onSave={() => saveUrl(url, name)}
          onClose={() => setOpen(false)}
        />
      )}
    </>
  );
}

function inline(file: EncryptedFile): boolean {
  return INLINE_TYPES.has(file.type.toLowerCase()) && file.size <= INLINE_MAX_BYTES;
}

export function SealedFileList({ files }: { files: readonly EncryptedFile[] }) {
  return (
    <div class="attachments">
      {files.map((file) =>
        inline(file) ? (
          <SealedImage key={file.attachment_id} file={file} />
        ) : (
          <SealedFileCard key={file.attachment_id} file={file} />
        ),
      )}
    </div>
  );
}
