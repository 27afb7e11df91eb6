/**
 * The composer of an end-to-end encrypted conversation on a browser that is one of the
 * person's devices: text, a reply or a thread reply to a message, and editing one's own
 * message (encrypted attachments are yet to come), encrypted here by the SDK's
 * EncryptedChat before it leaves (e2ee/opened.ts). Enter sends; Shift+Enter starts a new
 * line; Escape cancels an edit or a reply.
 */
import type { ConversationView, MessageView } from "@private-chat/sdk";
import { useEffect, useRef, useState } from "preact/hooks";
import { errorText } from "../api.js";
import { type Answer, changeOnThisBrowser, sendEncryptedText } from "../e2ee/opened.js";
import { memberName } from "../format.js";
import { chat } from "../state/chat.js";
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
  /** The message replied to (as shown, with its plaintext), in its thread if `inThread`. */
  replyTo?: MessageView | null;
  inThread?: boolean;
  onCancelReply?: () => void;
}

/**
 * What a reply answers: the message, or the root of its thread (the root itself when the
 * message is a thread reply). A root out of the loaded timeline and quotes is not known
 * here: the reply then starts a thread on the message itself.
 */
function answerOf(conv: ConversationView, to: MessageView, inThread: boolean): Answer {
  if (!inThread || !to.thread_id) return { to, inThread };
  const state = chat.get();
  const root =
    state.timelines[conv.id]?.messages.find((m) => m.id === to.thread_id) ??
    state.quotes[to.thread_id];
  return { to: root ?? to, inThread };
}

export function EncryptedComposer({
  conv,
  userId,
  editing = null,
  onCancelEdit,
  replyTo = null,
  inThread = false,
  onCancelReply,
}: Props) {
  const [text, setText] = useState(() => editing?.body ?? "");
  const [sending, setSending] = useState(false);
  const box = useRef<HTMLTextAreaElement>(null);
  const tooLong = text.length > MAX_CHARS;

  // An edit or a reply started from a message's actions continues in the box, by keyboard too.
  useEffect(() => {
    if (editing || replyTo) box.current?.focus();
  }, [editing, replyTo]);

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
      const answer = replyTo ? answerOf(conv, replyTo, inThread) : undefined;
      await sendEncryptedText(userId, conv, body, answer);
      setText("");
      if (replyTo) onCancelReply?.();
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
      {!editing && replyTo && onCancelReply && (
        <ComposerContext
          editing={false}
          title={`Replying ${inThread ? "in thread " : ""}to ${memberName(conv, replyTo.sender_id)}`}
          body={replyTo.body}
          onCancel={onCancelReply}
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
            else if (e.key === "Escape") (editing ? onCancelEdit : onCancelReply)?.();
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
