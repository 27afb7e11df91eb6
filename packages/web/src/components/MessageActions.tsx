/**
 * The toolbar on a message: react (a small emoji picker), reply, reply in thread (in the
 * timeline), copy link, pin, edit, delete (confirmed).
 * An encrypted message this browser cannot open offers only the link and delete: the rest
 * would need the plaintext. One its device opened offers reacting, replying (in the
 * timeline or in its thread's panel) and editing as well, sent encrypted by the device
 * (e2ee/opened.ts); pins are yet to come.
 * Shown on hover or keyboard focus. Opened by keyboard, the picker and the confirmation
 * take focus, Escape closes them, and focus returns to the button that opened them.
 */

import { type MessageView, mayPin } from "@private-chat/sdk";
import { useEffect, useRef, useState } from "preact/hooks";
import { navigate, threadHref } from "../router.js";
import { deleteMessage, toggleReaction } from "../state/actions.js";
import { chat } from "../state/chat.js";
import { unavailableReason, useReach } from "../state/connectivity.js";
import { copyMessageLink } from "../state/message-links.js";
import { isPinned } from "../state/pin-list.js";
import { pinMessage, unpinMessage } from "../state/pins.js";
import { useStore } from "../state/store.js";
import { Icon } from "./icons.js";
import type { OnReply } from "./useReplyOrEdit.js";

export const EMOJI = ["👍", "❤️", "😂", "😮", "😢", "🎉"];

interface Props {
  message: MessageView;
  mine: boolean;
  canDelete: boolean;
  onReply: OnReply;
  onEdit: (m: MessageView) => void;
  /** Shown inside a thread, where every reply is in the thread already. */
  inThread?: boolean;
}

type Mode = "idle" | "react" | "delete";

export function MessageActions({ message, mine, canDelete, onReply, onEdit, inThread }: Props) {
  const [mode, setMode] = useState<Mode>("idle");
  // Reacting, editing and deleting need the server; replying queues like any message.
  const off = unavailableReason(useReach());
  // Pin is offered only to those the conversation lets pin.
  const pinnable = useStore(chat, (s) => {
    const conv = s.convs[message.conversation_id];
    return conv !== undefined && mayPin(conv);
  });
  const pinned = useStore(chat, (s) => isPinned(s, message));
  const encrypted = useStore(chat, (s) => s.convs[message.conversation_id]?.encrypted === true);
  // Still ciphertext: not opened by this browser's device (timeline's shownMessages).
  const sealed = message.mls !== undefined;
  // A change to the group's keys stays (the server refuses to delete it).
  const deletable = canDelete && (message.mls === undefined || message.mls.kind === "application");
  const bar = useRef<HTMLDivElement>(null);
  // The button to give focus back to, when the keyboard opened the picker or confirmation.
  const back = useRef<string | null>(null);

  useEffect(() => {
    const root = bar.current;
    if (!root || !back.current) return;
    if (mode === "react") root.querySelector<HTMLElement>("fieldset button")?.focus();
    else if (mode === "delete") root.querySelector<HTMLElement>("[data-cancel]")?.focus();
    else {
      root.querySelector<HTMLElement>(`[aria-label="${back.current}"]`)?.focus();
      back.current = null;
    }
  }, [mode]);

  const open = (next: Mode, label: string) => (event: MouseEvent) => {
    // A click from the keyboard (Enter or Space) has detail 0.
    back.current = event.detail === 0 ? label : null;
    setMode(next);
  };

  const react = (emoji: string) => {
    setMode("idle");
    void toggleReaction(message, emoji);
  };

  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === "Escape" && mode !== "idle") {
      event.stopPropagation();
      setMode("idle");
    }
  };

  return (
    <div
      ref={bar}
      role="toolbar"
      aria-label="Message actions"
      class={mode === "idle" ? "actions" : "actions open"}
      onKeyDown={onKeyDown}
    >
      {mode === "delete" ? (
        <>
          <span class="confirm-text">Delete for everyone?</span>
          <button
            type="button"
            class="danger small"
            onClick={() => {
              back.current = null;
              setMode("idle");
              void deleteMessage(message.id);
            }}
          >
            Delete
          </button>
          <button type="button" class="small" data-cancel onClick={() => setMode("idle")}>
            Cancel
          </button>
        </>
      ) : mode === "react" ? (
        <fieldset class="picker">
          <legend class="sr-only">Pick a reaction</legend>
          {EMOJI.map((e) => (
            <button
              type="button"
              key={e}
              class="icon-btn"
              aria-label={`React ${e}`}
              onClick={() => react(e)}
            >
              {e}
            </button>
          ))}
          <button
            type="button"
            class="icon-btn"
            aria-label="Close reactions"
            onClick={() => setMode("idle")}
          >
            <Icon name="close" />
          </button>
        </fieldset>
      ) : (
        <>
          {!sealed && (
            <button
              type="button"
              class="icon-btn"
              aria-label="React"
              title={off ?? "React"}
              disabled={off !== null}
              onClick={open("react", "React")}
            >
              <Icon name="smile" />
            </button>
          )}
          {!sealed && (
            <>
              <button
                type="button"
                class="icon-btn"
                aria-label="Reply"
                title="Reply"
                onClick={() => onReply(message)}
              >
                <Icon name="reply" />
              </button>
              {!inThread && (
                <button
                  type="button"
                  class="icon-btn"
                  aria-label="Reply in thread"
                  title="Reply in thread"
                  onClick={() =>
                    navigate(threadHref(message.conversation_id, message.thread_id ?? message.id))
                  }
                >
                  <Icon name="thread" />
                </button>
              )}
            </>
          )}
          <button
            type="button"
            class="icon-btn"
            aria-label="Copy link"
            title="Copy link"
            onClick={() => void copyMessageLink(message)}
          >
            <Icon name="link" />
          </button>
          {pinnable && !encrypted && (
            <button
              type="button"
              class={pinned ? "icon-btn active" : "icon-btn"}
              aria-label={pinned ? "Unpin" : "Pin"}
              title={off ?? (pinned ? "Unpin" : "Pin")}
              disabled={off !== null}
              onClick={() => void (pinned ? unpinMessage(message) : pinMessage(message))}
            >
              <Icon name="pin" />
            </button>
          )}
          {mine && !sealed && (
            <button
              type="button"
              class="icon-btn"
              aria-label="Edit"
              title={off ?? "Edit"}
              disabled={off !== null}
              onClick={() => onEdit(message)}
            >
              <Icon name="edit" />
            </button>
          )}
          {deletable && (
            <button
              type="button"
              class="icon-btn"
              aria-label="Delete"
              title={off ?? "Delete"}
              disabled={off !== null}
              onClick={open("delete", "Delete")}
            >
              <Icon name="trash" />
            </button>
          )}
        </>
      )}
    </div>
  );
}
