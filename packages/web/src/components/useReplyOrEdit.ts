/**
 * The message box's context beside a list of messages: the message being replied to or
 * the one being edited, never both. Shared by a conversation and a thread.
 */
import type { MessageView } from "@private-chat/sdk";
import { useMemo, useState } from "preact/hooks";

/** Replies to `m`. */
export type OnReply = (m: MessageView) => void;

export interface ReplyOrEdit {
  replyTo: MessageView | null;
  editing: MessageView | null;
  /** Stable callbacks, so message items need not re-render when they change. */
  reply: OnReply;
  edit: (m: MessageView) => void;
  cancelReply: () => void;
  cancelEdit: () => void;
}

export function useReplyOrEdit(): ReplyOrEdit {
  const [replyTo, setReplyTo] = useState<MessageView | null>(null);
  const [editing, setEditing] = useState<MessageView | null>(null);
  const act = useMemo(
    () => ({
      reply: (m: MessageView) => {
        setEditing(null);
        setReplyTo(m);
      },
      edit: (m: MessageView) => {
        setReplyTo(null);
        setEditing(m);
      },
      cancelReply: () => setReplyTo(null),
      cancelEdit: () => setEditing(null),
    }),
    [],
  );
  return { replyTo, editing, ...act };
}
