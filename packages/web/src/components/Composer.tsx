/**
 * The message box: Enter sends, Shift+Enter adds a line, Escape cancels a reply or an
 * edit, ArrowUp in an empty box edits your last message. Drafts are kept per
 * conversation (and per thread) while the app is open. In a thread it replies there,
 * and may send the reply to the conversation too.
 */

import { type MessageView, plainText } from "@private-chat/sdk";
import { useEffect, useRef, useState } from "preact/hooks";
import { getSocket } from "../api.js";
import { memberName } from "../format.js";
import { editMessage } from "../state/actions.js";
import { type Conv, chat } from "../state/chat.js";
import { unavailableReason, useReach } from "../state/connectivity.js";
import { sendMessage } from "../state/send.js";
import { serverInfo } from "../state/server-info.js";
import { useStore } from "../state/store.js";
import { addFiles, takeReady, trayOf, uploads } from "../state/uploads.js";
import { UploadTray } from "./Attachments.js";
import { Icon } from "./icons.js";

interface Props {
  conv: Conv;
  replyTo: MessageView | null;
  editing: MessageView | null;
  onCancelReply: () => void;
  onCancelEdit: () => void;
  onEditLast: (m: MessageView) => void;
  /** The root of the thread this box replies in. */
  threadRoot?: string;
}

const drafts = new Map<string, string>();
const NO_UPLOADS: never[] = [];
let maxChars = 4000;
let infoRequested = false;
let lastTyping = 0;
// The server relays one typing notice per person and conversation every 2 s.
const TYPING_EVERY_MS = 2100;

export function Composer({
  conv,
  replyTo,
  editing,
  onCancelReply,
  onCancelEdit,
  onEditLast,
  threadRoot,
}: Props) {
  // A thread's box keeps its own draft and its own files.
  const draftKey = trayOf(conv.id, threadRoot);
  // Keyed by the edited message, so the text is right from the first render.
  const [text, setText] = useState(() => (editing ? editing.body : (drafts.get(draftKey) ?? "")));
  const [alsoToConversation, setAlsoToConversation] = useState(false);
  const [, setMax] = useState(maxChars);
  const box = useRef<HTMLTextAreaElement>(null);
  const picker = useRef<HTMLInputElement>(null);
  const files = useStore(uploads, (all) => all[draftKey] ?? NO_UPLOADS);
  const uploading = files.some((f) => !f.view && !f.error);
  const ready = files.some((f) => f.view);
  // Offline a message waits in the outbox; uploads and edits need the server.
  const off = unavailableReason(useReach());

  useEffect(() => {
    if (infoRequested) return;
    infoRequested = true;
    serverInfo().then(
      (info) => {
        maxChars = info.max_body_chars;
        setMax(maxChars);
      },
      () => {
        infoRequested = false;
      },
    );
  }, []);

  useEffect(() => {
    if (!matchMedia("(pointer: coarse)").matches) box.current?.focus();
  }, [conv.id, replyTo, editing]);

  const update = (value: string) => {
    setText(value);
    if (!editing) drafts.set(draftKey, value);
    const now = Date.now();
    // No typing notices flow in a request until it is accepted.
    const quiet = conv.request !== undefined;
    if (value.trim() && !editing && !quiet && now - lastTyping > TYPING_EVERY_MS) {
      lastTyping = now;
      getSocket()?.typing(conv.id);
    }
  };

  const length = [...text].length;
  const tooLong = length > maxChars;

  async function submit(event?: Event) {
    event?.preventDefault();
    const body = text.trim();
    if (editing) {
      if (!body || tooLong || off) return;
      if (body === editing.body || (await editMessage(editing.id, body))) onCancelEdit();
      return;
    }
    if ((!body && !ready) || tooLong || uploading) return;
    const attachments = ready ? takeReady(draftKey) : undefined;
    const thread = threadRoot ? { rootId: threadRoot, alsoToConversation } : undefined;
    sendMessage(conv.id, body, replyTo?.id, attachments, thread);
    drafts.delete(draftKey);
    setText("");
    // Sending to the conversation too is chosen for one reply at a time.
    setAlsoToConversation(false);
    if (replyTo) onCancelReply();
  }

  function onKeyDown(event: KeyboardEvent) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      void submit();
    } else if (event.key === "Escape") {
      if (editing) onCancelEdit();
      else if (replyTo) onCancelReply();
    } else if (event.key === "ArrowUp" && !text && !editing) {
      const state = chat.get();
      const me = state.me?.id;
      const shown = threadRoot
        ? state.threads[threadRoot]?.replies
        : state.timelines[conv.id]?.messages;
      const mine = shown?.filter((m) => m.sender_id === me && !m.deleted).pop();
      if (mine) {
        event.preventDefault();
        onEditLast(mine);
      }
    }
  }

  function onPaste(event: ClipboardEvent) {
    const pasted = [...(event.clipboardData?.files ?? [])];
    if (pasted.length === 0 || editing) return;
    event.preventDefault();
    addFiles(conv.id, pasted, threadRoot);
  }

  return (
    <form class="composer" onSubmit={submit}>
      {!editing && <UploadTray tray={draftKey} items={files} />}
      {(replyTo || editing) && (
        <div class="composer-context">
          <Icon name={editing ? "edit" : "reply"} />
          <div class="context-text">
            <strong>
              {editing
                ? "Editing message"
                : `Replying to ${memberName(conv, replyTo?.sender_id ?? "")}`}
            </strong>
            <span>{plainText((editing ?? replyTo)?.body ?? "")}</span>
          </div>
          <button
            type="button"
            class="icon-btn"
            aria-label={editing ? "Cancel editing" : "Cancel reply"}
            onClick={editing ? onCancelEdit : onCancelReply}
          >
            <Icon name="close" />
          </button>
        </div>
      )}
      <div class="composer-row">
        {!editing && (
          <>
            <input
              ref={picker}
              type="file"
              multiple
              hidden
              aria-label="Attach files"
              onChange={(e) => {
                addFiles(conv.id, e.currentTarget.files ?? [], threadRoot);
                e.currentTarget.value = "";
              }}
            />
            <button
              type="button"
              class="icon-btn attach"
              aria-label="Attach files"
              title={off ?? "Attach files"}
              disabled={off !== null}
              onClick={() => picker.current?.click()}
            >
              <Icon name="clip" />
            </button>
          </>
        )}
        <textarea
          ref={box}
          aria-label={threadRoot ? "Reply in thread" : "Message"}
          placeholder={threadRoot ? "Reply…" : "Message"}
          rows={1}
          value={text}
          onInput={(e) => update(e.currentTarget.value)}
          onKeyDown={onKeyDown}
          onPaste={onPaste}
          aria-invalid={tooLong}
          aria-describedby={tooLong ? "too-long" : undefined}
        />
        <button
          type="submit"
          class="send"
          aria-label={editing ? "Save edit" : "Send"}
          title={editing && off ? off : undefined}
          disabled={
            editing
              ? !text.trim() || tooLong || off !== null
              : (!text.trim() && !ready) || tooLong || uploading
          }
        >
          <Icon name="send" />
        </button>
      </div>
      {threadRoot && !editing && (
        <label class="also-send">
          <input
            type="checkbox"
            checked={alsoToConversation}
            onChange={(e) => setAlsoToConversation(e.currentTarget.checked)}
          />
          Also send to the conversation
        </label>
      )}
      {length > maxChars * 0.9 && (
        <p id="too-long" class={tooLong ? "counter error" : "counter"}>
          {length} / {maxChars}
        </p>
      )}
    </form>
  );
}
