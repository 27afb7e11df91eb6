/**
 * The composer of an end-to-end encrypted conversation on a browser that is one of the
 * person's devices: text only (encrypted attachments, replies and edits are yet to come),
 * encrypted here by the SDK's EncryptedChat before it leaves (e2ee/opened.ts). Enter
 * sends; Shift+Enter starts a new line.
 */
import type { ConversationView } from "@private-chat/sdk";
import { useState } from "preact/hooks";
import { errorText } from "../api.js";
import { sendEncryptedText } from "../e2ee/opened.js";
import { toast } from "../state/notices.js";
import { Icon } from "./icons.js";

/** A plaintext this long stays well inside an MLS message's 256 KiB. */
const MAX_CHARS = 4000;

export function EncryptedComposer({ conv, userId }: { conv: ConversationView; userId: string }) {
  const [text, setText] = useState("");
  const [sending, setSending] = useState(false);
  const tooLong = text.length > MAX_CHARS;

  const send = async (event?: Event) => {
    event?.preventDefault();
    const body = text.trim();
    if (!body || tooLong || sending) return;
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
      <div class="composer-row">
        <textarea
          aria-label="Encrypted message"
          placeholder="Encrypted message"
          rows={1}
          value={text}
          onInput={(e) => setText(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === "Enter" && !e.shiftKey && !e.isComposing) void send(e);
          }}
          aria-invalid={tooLong}
        />
        <button
          type="submit"
          class="send"
          aria-label="Send encrypted"
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
