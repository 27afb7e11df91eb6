/**
 * The message box: Enter sends, Shift+Enter adds a line, Escape cancels a reply or an
 * edit, ArrowUp in an empty box edits your last message. Drafts are kept per
 * conversation (and per thread) while the app is open. In a thread it replies there,
 * and may send the reply to the conversation too. In the conversation's own box, "/"
 * offers the bots' slash commands, and `/name text` runs a command instead of sending
 * (other text starting with "/" is an ordinary message).
 */

import type { AvailableCommand, MessageView } from "@private-chat/sdk";
import { useEffect, useRef, useState } from "preact/hooks";
import { getSocket } from "../api.js";
import { memberName } from "../format.js";
import { editMessage } from "../state/actions.js";
import { type Conv, chat } from "../state/chat.js";
import { matchingCommands, parseCommand } from "../state/command-text.js";
import { commandLists, commandsOf, loadCommands, runCommand } from "../state/commands.js";
import { unavailableReason, useReach } from "../state/connectivity.js";
import { sendMessage } from "../state/send.js";
import { serverInfo } from "../state/server-info.js";
import { useStore } from "../state/store.js";
import { addFiles, takeReady, trayOf, uploads } from "../state/uploads.js";
import { AttachButton } from "./AttachButton.js";
import { UploadTray } from "./Attachments.js";
import { CommandMenu, optionId } from "./CommandMenu.js";
import { CommandNotices } from "./CommandNotices.js";
import { ComposerContext } from "./ComposerContext.js";
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
  const files = useStore(uploads, (all) => all[draftKey] ?? NO_UPLOADS);
  const uploading = files.some((f) => !f.view && !f.error);
  const ready = files.some((f) => f.view);
  // Offline a message waits in the outbox; uploads and edits need the server.
  const off = unavailableReason(useReach());
  // Commands run in the conversation, so a thread's box (and an edit) sends text as it is.
  const commandsOn = !threadRoot && !editing;
  const commands = useStore(commandLists, (all) => commandsOf(all, conv.id));
  const [menuClosed, setMenuClosed] = useState(false);
  const [active, setActive] = useState(0);
  const [running, setRunning] = useState<string | null>(null);
  // Set at once, unlike `running`: a second Enter before the next render runs nothing twice.
  const busy = useRef(false);
  const matches = commandsOn && !menuClosed ? matchingCommands(commands, text) : [];
  const menuOpen = matches.length > 0;
  const activeIndex = Math.min(active, matches.length - 1);
  const menuId = `commands-${conv.id}`;
  const slash = commandsOn && text.startsWith("/");

  // Read when first wanted, and again if the members (so perhaps the bots) changed.
  useEffect(() => {
    if (slash) void loadCommands(conv);
  }, [slash, conv]);

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
    // Typing again reopens a menu closed with Escape, from its first match.
    setMenuClosed(false);
    setActive(0);
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

  function pick(command: AvailableCommand) {
    const value = `/${command.name} `;
    setText(value);
    drafts.set(draftKey, value);
    setActive(0);
    box.current?.focus();
  }

  /** Runs `body` if it names one of the conversation's commands; false if it does not. */
  async function tryCommand(body: string): Promise<boolean> {
    const command = commandsOn ? parseCommand(body) : null;
    if (!command) return false;
    busy.current = true;
    try {
      // Sent before the list arrived (pasted and sent at once): it decides.
      await loadCommands(conv);
      const known = commandsOf(commandLists.get(), conv.id).some((c) => c.name === command.name);
      if (!known) return false;
      setRunning(command.name);
      const done = await runCommand(conv.id, command.name, command.text);
      setRunning(null);
      // A call that failed keeps the text, to try again.
      if (done) {
        drafts.delete(draftKey);
        setText("");
      }
      return true;
    } finally {
      busy.current = false;
    }
  }

  async function submit(event?: Event) {
    event?.preventDefault();
    if (busy.current) return;
    const body = text.trim();
    if (editing) {
      if (!body || tooLong || off) return;
      if (body === editing.body || (await editMessage(editing.id, body))) onCancelEdit();
      return;
    }
    if (await tryCommand(body)) return;
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

  function onMenuKey(event: KeyboardEvent): boolean {
    const count = matches.length;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      const step = event.key === "ArrowDown" ? 1 : -1;
      setActive((activeIndex + step + count) % count);
    } else if (
      (event.key === "Enter" && !event.shiftKey && !event.isComposing) ||
      event.key === "Tab"
    ) {
      const command = matches[activeIndex];
      if (command) pick(command);
    } else if (event.key === "Escape") {
      setMenuClosed(true);
    } else {
      return false;
    }
    event.preventDefault();
    return true;
  }

  function onKeyDown(event: KeyboardEvent) {
    if (menuOpen && onMenuKey(event)) return;
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
    <form class="composer" onSubmit={submit} aria-busy={running !== null}>
      {menuOpen && (
        <CommandMenu
          id={menuId}
          commands={matches}
          active={activeIndex}
          onPick={pick}
          onHover={setActive}
        />
      )}
      {commandsOn && <CommandNotices conversationId={conv.id} running={running} />}
      {!editing && <UploadTray tray={draftKey} items={files} />}
      {(replyTo || editing) && (
        <ComposerContext
          editing={editing !== null}
          title={
            editing
              ? "Editing message"
              : `Replying to ${memberName(conv, replyTo?.sender_id ?? "")}`
          }
          body={(editing ?? replyTo)?.body ?? ""}
          onCancel={editing ? onCancelEdit : onCancelReply}
        />
      )}
      <div class="composer-row">
        {!editing && (
          <AttachButton
            off={off}
            title={"Attach files"}
            onFiles={(files) => addFiles(conv.id, files, threadRoot)}
          />
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
          aria-autocomplete={commandsOn ? "list" : undefined}
          aria-controls={menuOpen ? menuId : undefined}
          aria-activedescendant={menuOpen ? optionId(menuId, activeIndex) : undefined}
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
              : (!text.trim() && !ready) || tooLong || uploading || running !== null
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
