/**
 * The composer of an end-to-end encrypted conversation on a browser that is one of the
 * person's devices: text, files, a reply to a message, and editing one's own message,
 * in the conversation or in a thread's panel (its root named in the content), encrypted
 * here by the SDK's EncryptedChat before it leaves (e2ee/opened.ts). Files are attached as in a plain conversation (the button, dropping
 * them on the conversation, pasting them into the box) and sealed here before only their
 * ciphertext uploads (state/uploads.ts); the message carries their keys. Enter sends;
 * Shift+Enter starts a new line; Escape cancels an edit or a reply.
 */
import type { ConversationView, MessageView } from "@private-chat/sdk";
import { useEffect, useRef, useState } from "preact/hooks";
import { errorText } from "../api.js";
import { changeOnThisBrowser, lineOf, opened, sendEncryptedText } from "../e2ee/opened.js";
import { memberName } from "../format.js";
import { unavailableReason, useReach } from "../state/connectivity.js";
import { toast } from "../state/notices.js";
import { useStore } from "../state/store.js";
import { addFiles, dropUploads, readySealed, trayOf, uploads } from "../state/uploads.js";
import { AttachButton } from "./AttachButton.js";
import { UploadTray } from "./Attachments.js";
import { ComposerContext } from "./ComposerContext.js";
import { Icon } from "./icons.js";

const NO_UPLOADS: never[] = [];

/** A plaintext this long stays well inside an MLS message's 256 KiB. */
const MAX_CHARS = 4000;

interface Props {
  conv: ConversationView;
  userId: string;
  /** The message being edited (shown with its plaintext); keyed by it, as Composer is. */
  editing?: MessageView | null;
  onCancelEdit?: () => void;
  /** The message replied to (as shown, with its plaintext). */
  replyTo?: MessageView | null;
  onCancelReply?: () => void;
  /** The root of the thread this box replies in (in the thread's panel). */
  threadRoot?: MessageView;
}

export function EncryptedComposer({
  conv,
  userId,
  editing = null,
  onCancelEdit,
  replyTo = null,
  onCancelReply,
  threadRoot,
}: Props) {
  const [text, setText] = useState(() => editing?.body ?? "");
  const [sending, setSending] = useState(false);
  // Set at once, unlike `sending`: a second Enter before the next render sends nothing twice.
  const busy = useRef(false);
  const box = useRef<HTMLTextAreaElement>(null);
  const tooLong = text.length > MAX_CHARS;
  // A thread's box has its own files, as a plain thread's has.
  const tray = trayOf(conv.id, threadRoot?.id);
  const files = useStore(uploads, (all) => all[tray] ?? NO_UPLOADS);
  const uploading = files.some((f) => !f.view && !f.error);
  const ready = files.some((f) => f.sealed);
  // Uploads need the server.
  const off = unavailableReason(useReach());
  // A message of files alone is quoted by its first file's name.
  const replyFiles = useStore(opened, (all) => {
    const read = replyTo ? all[replyTo.id] : undefined;
    return read && "files" in read ? read.files : undefined;
  });

  // An edit or a reply started from a message's actions continues in the box, by keyboard too.
  useEffect(() => {
    if (editing || replyTo) box.current?.focus();
  }, [editing, replyTo]);

  const send = async (event?: Event) => {
    event?.preventDefault();
    const body = text.trim();
    if (tooLong || busy.current) return;
    if (editing) {
      if (!body) return;
      busy.current = true;
      setSending(true);
      const done =
        body === editing.body || (await changeOnThisBrowser(userId, conv, editing, { body }));
      busy.current = false;
      setSending(false);
      if (done) onCancelEdit?.();
      return;
    }
    if (uploading) return;
    const attached = readySealed(tray);
    if (!body && attached.files.length === 0) return;
    busy.current = true;
    setSending(true);
    try {
      await sendEncryptedText(userId, conv, body, { replyTo, threadRoot }, attached.files);
      setText("");
      dropUploads(tray, attached.keys);
      if (replyTo) onCancelReply?.();
    } catch (err) {
      // The text and the files stay in the box to send again.
      toast(`Not sent: ${errorText(err)}`);
    }
    busy.current = false;
    setSending(false);
  };

  const onPaste = (event: ClipboardEvent) => {
    const pasted = [...(event.clipboardData?.files ?? [])];
    if (pasted.length === 0 || editing) return;
    event.preventDefault();
    addFiles(conv.id, pasted, threadRoot?.id);
  };

  return (
    <form class="composer" onSubmit={send} aria-busy={sending}>
      {!editing && <UploadTray tray={tray} items={files} />}
      {editing && onCancelEdit && (
        <ComposerContext
          editing
          title="Editing message"
          body={editing.body}
          onCancel={onCancelEdit}
        />
      )}
      {!editing && replyTo && onCancelReply && (
        <ComposerContext
          editing={false}
          title={`Replying to ${memberName(conv, replyTo.sender_id)}`}
          body={lineOf(replyTo.body, replyFiles)}
          onCancel={onCancelReply}
        />
      )}
      <div class="composer-row">
        {!editing && (
          <AttachButton
            off={off}
            title={"Attach files, encrypted on this device"}
            onFiles={(files) => addFiles(conv.id, files, threadRoot?.id)}
          />
        )}
        <textarea
          ref={box}
          aria-label={threadRoot ? "Encrypted reply in thread" : "Encrypted message"}
          placeholder={threadRoot ? "Encrypted reply…" : "Encrypted message"}
          rows={1}
          value={text}
          onInput={(e) => setText(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === "Enter" && !e.shiftKey && !e.isComposing) void send(e);
            else if (e.key === "Escape") (editing ? onCancelEdit : onCancelReply)?.();
          }}
          onPaste={onPaste}
          aria-invalid={tooLong}
        />
        <button
          type="submit"
          class="send"
          aria-label={editing ? "Save edit" : "Send encrypted"}
          disabled={
            editing
              ? !text.trim() || tooLong || sending
              : (!text.trim() && !ready) || tooLong || sending || uploading
          }
        >
          <Icon name="send" />
        </button>
      </div>
      {tooLong && (
        <p class="error" role="alert">
          At most {MAX_CHARS} characters in an encrypted message.
        </p>
      )}
    </form>
  );
}
