/**
 * Files being attached: uploads in progress per message box (XMLHttpRequest, for its
 * upload progress), and attachment bytes fetched with the session's token and shown
 * through blob: URLs, since the page's CSP only loads images from itself, data: and blob:.
 * Into an end-to-end encrypted conversation a file is sealed on this browser's device
 * first (e2ee/sealed-files.ts) and only its ciphertext is uploaded, whichever way it was
 * attached: the conversation decides, not the caller.
 */
import { attachmentView } from "@private-chat/protocol/attachments";
import { decodeWith, parseJson } from "@private-chat/protocol/decode";
import type { EncryptedFile } from "@private-chat/protocol/encrypted-content";
import { errorBody } from "@private-chat/protocol/errors";
import type { AttachmentView } from "@private-chat/sdk";
import { api, errorText, SERVER_URL } from "../api.js";
import type { SealedUpload } from "../e2ee/sealed-files.js";
import { chat } from "./chat.js";
import { createStore } from "./store.js";

export interface UploadItem {
  key: string;
  name: string;
  size: number;
  /** 0..1 while sending. */
  progress: number;
  view?: AttachmentView | undefined;
  error?: string | undefined;
  /** Being sealed on this browser's device, before its ciphertext uploads. */
  sealing?: boolean | undefined;
  /** Sealed and uploaded: what the encrypted message carries to open it. */
  sealed?: EncryptedFile | undefined;
}

/**
 * A message box's tray of uploads: the conversation's own, or a thread's beside it (both
 * upload to the conversation; the tray only keeps a thread's files out of the other box).
 */
export function trayOf(conversationId: string, threadRoot?: string): string {
  return threadRoot ? `${conversationId}/${threadRoot}` : conversationId;
}

/** tray (trayOf) -> its uploads, in the order they were added. */
export const uploads = createStore<Record<string, UploadItem[]>>({});

export const MAX_ATTACHMENTS = 10;
const requests = new Map<string, XMLHttpRequest>();
let nextKey = 0;

function patch(tray: string, key: string, change: Partial<UploadItem>): void {
  uploads.update((all) => ({
    ...all,
    [tray]: (all[tray] ?? []).map((item) => (item.key === key ? { ...item, ...change } : item)),
  }));
}

const UPLOAD_ERRORS: Partial<Record<string, string>> = {
  file_too_large: "File is too large",
  quota_exceeded: "Your storage is full",
  invalid_image: "This image can't be read",
};

/** The answer's JSON decoded with `schema`, or undefined when it is not that. */
function answer<T>(xhr: XMLHttpRequest, decode: (value: unknown) => T | undefined): T | undefined {
  const json = parseJson(xhr.responseText);
  return json.ok ? decode(json.value) : undefined;
}

function failure(xhr: XMLHttpRequest): string {
  const body = answer(xhr, (value) => {
    const decoded = decodeWith(errorBody, value);
    return decoded.ok ? decoded.value.error : undefined;
  });
  if (body) return UPLOAD_ERRORS[body.code] ?? body.message;
  return xhr.status === 0 ? "Can't reach the server" : `Upload failed (HTTP ${xhr.status})`;
}

/** Whether the item is still in its tray (not removed while it was being sealed). */
function present(tray: string, key: string): boolean {
  return (uploads.get()[tray] ?? []).some((item) => item.key === key);
}

/**
 * Uploads `body` under `name`; `done` makes the item's change from the server's view of
 * the upload.
 */
function start(
  conversationId: string,
  tray: string,
  key: string,
  body: Blob,
  name: string,
  done: (view: AttachmentView) => Partial<UploadItem> = (view) => ({ view }),
): void {
  const xhr = new XMLHttpRequest();
  requests.set(key, xhr);
  xhr.open(
    "POST",
    `${SERVER_URL}/api/v1/conversations/${encodeURIComponent(conversationId)}/attachments`,
  );
  if (api.token) xhr.setRequestHeader("authorization", `Bearer ${api.token}`);
  xhr.upload.onprogress = (event) => {
    if (event.lengthComputable) patch(tray, key, { progress: event.loaded / event.total });
  };
  xhr.onload = () => {
    requests.delete(key);
    const view =
      xhr.status === 201
        ? answer(xhr, (value) => {
            const decoded = decodeWith(attachmentView, value);
            return decoded.ok ? decoded.value : undefined;
          })
        : undefined;
    if (view) {
      patch(tray, key, { progress: 1, ...done(view) });
    } else if (xhr.status === 201) {
      patch(tray, key, { error: "The server's answer was not understood" });
    } else {
      patch(tray, key, { error: failure(xhr) });
    }
  };
  xhr.onerror = () => {
    requests.delete(key);
    patch(tray, key, { error: failure(xhr) });
  };
  const form = new FormData();
  form.append("file", body, name);
  xhr.send(form);
}

/**
 * Seals the file on this browser's device, then uploads its ciphertext under the neutral
 * name; the item keeps the reference the message will carry. Nothing of the plaintext
 * leaves: a file that cannot be sealed is refused in the tray.
 */
async function startSealed(
  conversationId: string,
  tray: string,
  key: string,
  file: File,
): Promise<void> {
  let sealed: SealedUpload;
  try {
    const { sealForUpload } = await import("../e2ee/sealed-files.js");
    sealed = await sealForUpload(file);
  } catch (err) {
    patch(tray, key, { sealing: false, error: errorText(err) });
    return;
  }
  if (!present(tray, key)) return;
  patch(tray, key, { sealing: false });
  start(conversationId, tray, key, sealed.ciphertext, sealed.name, (view) => ({
    view,
    sealed: { attachment_id: view.id, ...sealed.reference },
  }));
}

/**
 * Starts uploading each file to the conversation, into the tray of its message box or of
 * the thread's (at most MAX_ATTACHMENTS pending per tray). In an end-to-end encrypted
 * conversation each is sealed here first, and only its ciphertext uploads.
 */
export function addFiles(conversationId: string, files: Iterable<File>, threadRoot?: string): void {
  const tray = trayOf(conversationId, threadRoot);
  const room = MAX_ATTACHMENTS - (uploads.get()[tray]?.length ?? 0);
  const added = [...files].slice(0, Math.max(0, room));
  if (added.length === 0) return;
  const encrypted = chat.get().convs[conversationId]?.encrypted === true;
  const items: UploadItem[] = added.map((file) => {
    nextKey += 1;
    const name = file.name || "pasted file";
    return { key: `u${nextKey}`, name, size: file.size, progress: 0, sealing: encrypted };
  });
  uploads.update((all) => ({
    ...all,
    [tray]: [...(all[tray] ?? []), ...items],
  }));
  items.forEach((item, i) => {
    const file = added[i];
    if (!file) return;
    if (encrypted) void startSealed(conversationId, tray, item.key, file);
    else start(conversationId, tray, item.key, file, item.name);
  });
}

export function removeUpload(tray: string, key: string): void {
  requests.get(key)?.abort();
  requests.delete(key);
  uploads.update((all) => ({
    ...all,
    [tray]: (all[tray] ?? []).filter((item) => item.key !== key),
  }));
}

/** Takes the tray's finished uploads for a message, leaving failed or unfinished ones. */
export function takeReady(tray: string): AttachmentView[] {
  const list = uploads.get()[tray] ?? [];
  const ready = list.flatMap((item) => (item.view ? [item.view] : []));
  uploads.update((all) => ({ ...all, [tray]: list.filter((item) => !item.view) }));
  return ready;
}

/** The tray's sealed and uploaded files, left in it until the message carrying them is sent. */
export function readySealed(tray: string): { keys: string[]; files: EncryptedFile[] } {
  const ready = (uploads.get()[tray] ?? []).filter((item) => item.sealed);
  return { keys: ready.map((item) => item.key), files: ready.flatMap((i) => i.sealed ?? []) };
}

/** Takes the items of `keys` out of the tray, once the message carrying them went. */
export function dropUploads(tray: string, keys: readonly string[]): void {
  uploads.update((all) => ({
    ...all,
    [tray]: (all[tray] ?? []).filter((item) => !keys.includes(item.key)),
  }));
}

const blobUrls = new Map<string, Promise<string>>();
// Enough for a screenful of previews; older URLs are revoked to free their memory.
const MAX_BLOB_URLS = 200;

/** A blob: URL of an attachment (or its thumbnail), fetched once with the token. */
export function attachmentUrl(id: string, variant: "file" | "thumbnail"): Promise<string> {
  const key = `${id}:${variant}`;
  const cached = blobUrls.get(key);
  if (cached) return cached;
  const path = `/api/v1/attachments/${encodeURIComponent(id)}${variant === "thumbnail" ? "/thumbnail" : ""}`;
  const loading = fetch(`${SERVER_URL}${path}`, {
    headers: api.token ? { authorization: `Bearer ${api.token}` } : {},
  }).then(async (response) => {
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return URL.createObjectURL(await response.blob());
  });
  loading.catch(() => blobUrls.delete(key));
  blobUrls.set(key, loading);
  if (blobUrls.size > MAX_BLOB_URLS) {
    const [oldest, url] = blobUrls.entries().next().value as [string, Promise<string>];
    blobUrls.delete(oldest);
    url.then(
      (u) => URL.revokeObjectURL(u),
      () => undefined,
    );
  }
  return loading;
}

/** Saves an attachment as a file, the way a download link would. */
export async function saveAttachment(view: AttachmentView): Promise<void> {
  const url = await attachmentUrl(view.id, "file");
  const link = document.createElement("a");
  link.href = url;
  link.download = view.name;
  link.rel = "noopener";
  document.body.append(link);
  link.click();
  link.remove();
}

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(bytes < 10 * 1024 ? 1 : 0)} KB`;
  if (bytes < 1024 ** 3) return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
  return `${(bytes / 1024 ** 3).toFixed(1)} GB`;
}
