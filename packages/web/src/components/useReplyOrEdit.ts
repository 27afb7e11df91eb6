/**
 * The message box's context beside a list of messages: the message being replied to or
 * the one being edited, never both. Shared by a conversation and a thread. In an
 * encrypted conversation a reply may join the thread of the message (`replyInThread`):
 * its box sends it, there being no thread's panel to open.
 */
import type { MessageView } from "@private-chat/sdk";
import { useMemo, useState } from "preact/hooks";

/** Replies to `m`, or in its thread. */
export type OnReply = (m: MessageView, inThread?: boolean) => void;

export interface ReplyOrEdit {
  replyTo: MessageView | null;
  replyInThread: boolean;
  editing: MessageView | null;
  /** Stable callbacks, so message items need not re-render when they change. */
  reply: OnReply;
  edit: (m: MessageView) => void;
  cancelReply: () => void;
  cancelEdit: () => void;
}

export function useReplyOrEdit(): ReplyOrEdit {
  const [replyTo, setReplyTo] = useState<MessageView | null>(null);
  const [replyInThread, setReplyInThread] = useState(false);
  const [editing, setEditing] = useState<MessageView | null>(null);
  const act = useMemo(
    () => ({
      reply: (m: MessageView, inThread = false) => {
        setEditing(null);
        setReplyTo(m);
        setReplyInThread(inThread);
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
  return { replyTo, replyInThread, editing, ...act };
}
