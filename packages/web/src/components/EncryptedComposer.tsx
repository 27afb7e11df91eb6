/**
 * The composer of an end-to-end encrypted conversation on a browser that is one of the
 * person's devices: text, and editing one's own message (encrypted attachments and
 * replies are yet to come), encrypted here by the SDK's EncryptedChat before it leaves
 * (e2ee/opened.ts). Enter sends; Shift+Enter starts a new line; Escape cancels an edit.
 */
import type { ConversationView, MessageView } from "@private-chat/sdk";
import { useEffect, useRef, useState } from "preact/hooks";
import { errorText } from "../api.js";
import { changeOnThisBrowser, sendEncryptedText } from "../e2ee/opened.js";
import { toast } from "../state/notices.js";
import { ComposerContext } from "./ComposerContext.js";
import { Icon } from "./icons.js";

/** A plaintext this long stays well inside an MLS message's 256 KiB. */
const MAX_CHARS = 4000;

interface Props {
  conv: ConversationView;
  userId: string;
  /** The message being edited (shown with its plaintext); keyed by it, as Composer is. */
  editing?: MessageView | null;
  onCancelEdit?: () => void;
}

export function EncryptedComposer({ conv, userId, editing = null, onCancelEdit }: Props) {
  const [text, setText] = useState(() => editing?.body ?? "");
  const [sending, setSending] = useState(false);
  const box = useRef<HTMLTextAreaElement>(null);
  const tooLong = text.length > MAX_CHARS;

  // An edit started from a message's actions continues in the box, by keyboard too.
  useEffect(() => {
    if (editing) box.current?.focus();
  }, [editing]);

  const send = async (event?: Event) => {
    event?.preventDefault();
    const body = text.trim();
    if (!body || tooLong || sending) return;
    if (editing) {
      setSending(true);
      const done =
        body === editing.body || (await changeOnThisBrowser(userId, conv, editing, { body }));
      setSending(false);
      if (done) onCancelEdit?.();
      return;
    }
    setSending(true);
    try {
      await sendEncryptedText(userId, conv, body);
      setText("");
    } catch (err) {
      // The text stays in the box to send again.
      toast(`Not sent: ${errorText(err)}`);
    }
    setSending(false);
  };

  return (
    <form class="composer" onSubmit={send} aria-busy={sending}>
      {editing && onCancelEdit && (
        <ComposerContext
          editing
          title="Editing message"
          body={editing.body}
          onCancel={onCancelEdit}
        />
      )}
      <div class="composer-row">
        <textarea
          ref={box}
          aria-label="Encrypted message"
          placeholder="Encrypted message"
          rows={1}
          value={text}
          onInput={(e) => setText(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === "Enter" && !e.shiftKey && !e.isComposing) void send(e);
            else if (e.key === "Escape" && editing) onCancelEdit?.();
          }}
          aria-invalid={tooLong}
        />
        <button
          type="submit"
          class="send"
          aria-label={editing ? "Save edit" : "Send encrypted"}
          disabled={!text.trim() || tooLong || sending}
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
