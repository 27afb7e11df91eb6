/**
 * One thread beside its conversation (instead of it, on a phone): the root, its replies
 * oldest first with earlier ones on request, Follow, and a box that replies in the
 * thread. Replies shown while the page is visible count as read. In an end-to-end
 * encrypted conversation the thread is the one this browser's device worked out
 * (useThreadSource.ts), and its box encrypts; there is nothing to follow.
 */

import type { MessageView } from "@private-chat/sdk";
import { useMemo, useRef } from "preact/hooks";
import { deviceHere, deviceOf } from "../e2ee/opened.js";
import { chatHref } from "../router.js";
import { type Conv, chat } from "../state/chat.js";
import { useStore } from "../state/store.js";
import { followThread, loadOlderReplies } from "../state/threads.js";
import { addFiles } from "../state/uploads.js";
import { Composer } from "./Composer.js";
import { EncryptedComposer } from "./EncryptedComposer.js";
import { Icon } from "./icons.js";
import { MessageItem, PendingItem } from "./MessageItem.js";
import { useBotOf, useNameOf } from "./useNameOf.js";
import { useReplyOrEdit } from "./useReplyOrEdit.js";
import { useEncryptedThread, usePlainThread } from "./useThreadSource.js";

interface Props {
  conv: Conv;
  rootId: string;
  visible: boolean;
}

export function ThreadPanel({ conv, rootId, visible }: Props) {
  const body = useRef<HTMLDivElement>(null);
  const encrypted = conv.encrypted === true;
  const plainThread = usePlainThread(conv, rootId, visible, body);
  const thread = useEncryptedThread(conv, rootId, body) ?? plainThread;
  const me = useStore(chat, (s) => s.me);
  const outbox = useStore(chat, (s) => s.outbox[conv.id]);
  const quotes = useStore(chat, (s) => s.quotes);
  const pending = useMemo(() => outbox?.filter((p) => p.thread_id === rootId), [outbox, rootId]);
  const act = useReplyOrEdit();
  const { replyTo, editing } = act;
  const nameOf = useNameOf(conv);
  const botOf = useBotOf(conv);
  // Only a browser that is one of the person's devices reads and writes an encrypted one.
  const device = deviceOf(
    useStore(deviceHere, (d) => d),
    me?.id,
  );
  const sealed = encrypted && !device;

  const root = thread?.root ?? null;
  const replies = thread?.replies ?? [];
  const byId = new Map([...(root ? [root] : []), ...replies].map((m) => [m.id, m]));
  const quoteOf = (id: string | undefined) => (id ? (byId.get(id) ?? quotes[id] ?? null) : null);
  const count = root?.thread?.reply_count ?? replies.filter((m) => !m.deleted).length;
  const myId = me?.id ?? "";
  const item = (m: MessageView) => (
    <MessageItem
      key={m.id}
      message={m}
      myId={myId}
      myUsername={me?.username}
      group={conv.type === "group"}
      canModerate={conv.type === "group" && conv.role !== "member"}
      nameOf={nameOf}
      botOf={botOf}
      continued={false}
      quote={quoteOf(m.reply_to)}
      receipt={undefined}
      onReply={act.reply}
      onEdit={act.edit}
      inThread
    />
  );

  return (
    <aside
      class="panel thread-panel"
      aria-labelledby="thread-panel-title"
      onDragOver={(e) => {
        // Files dropped on the thread are attached to the next reply.
        if (e.dataTransfer?.types.includes("Files") && !sealed) e.preventDefault();
      }}
      onDrop={(e) => {
        if (!e.dataTransfer?.files.length || sealed) return;
        e.preventDefault();
        e.stopPropagation();
        addFiles(conv.id, e.dataTransfer.files, rootId);
      }}
    >
      <header class="panel-head">
        <h2 id="thread-panel-title">Thread</h2>
        {thread && !thread.error && !encrypted && (
          <button
            type="button"
            class={thread.following ? "small active" : "small"}
            aria-pressed={thread.following}
            title={
              thread.following
                ? "You are told of new replies. Select to stop following."
                : "Follow to be told of new replies"
            }
            onClick={() => void followThread(rootId, !thread.following)}
          >
            {thread.following ? "Following" : "Follow"}
          </button>
        )}
        <a class="icon-btn" href={chatHref(conv.id)} aria-label="Close thread">
          <Icon name="close" />
        </a>
      </header>
      <div class="panel-body thread-body" ref={body}>
        {thread?.error ? (
          <p class="error" role="alert">
            {thread.error}
          </p>
        ) : (
          <>
            {root && (
              <ol class="messages thread-root" aria-label="Thread root">
                {item(root)}
              </ol>
            )}
            {sealed ? (
              <p class="thread-count">Only the members' devices can read this thread's replies.</p>
            ) : (
              <p class="thread-count">
                {count === 0 ? "No replies yet" : `${count} ${count === 1 ? "reply" : "replies"}`}
              </p>
            )}
            {thread?.hasOlder && (
              <button
                type="button"
                class="link"
                disabled={thread.loading}
                onClick={() => void loadOlderReplies(rootId)}
              >
                Show earlier replies
              </button>
            )}
            {thread?.loading && <p class="muted">Loading replies…</p>}
            <ol class="messages" aria-label="Replies">
              {replies.map(item)}
              {pending?.map((p) => (
                <PendingItem
                  key={p.clientId}
                  pending={p}
                  myUsername={me?.username}
                  nameOf={nameOf}
                  quote={quoteOf(p.reply_to)}
                />
              ))}
            </ol>
          </>
        )}
      </div>
      {encrypted
        ? !thread?.error &&
          device &&
          me &&
          thread?.root && (
            <EncryptedComposer
              key={editing?.id ?? "new"}
              conv={conv}
              userId={me.id}
              threadRoot={thread.root}
              replyTo={replyTo}
              editing={editing}
              onCancelReply={act.cancelReply}
              onCancelEdit={act.cancelEdit}
            />
          )
        : !thread?.error &&
          conv.request !== "pending" &&
          conv.request !== "declined" && (
            <Composer
              key={editing?.id ?? "new"}
              conv={conv}
              threadRoot={rootId}
              replyTo={replyTo}
              editing={editing}
              onCancelReply={act.cancelReply}
              onCancelEdit={act.cancelEdit}
              onEditLast={act.edit}
            />
          )}
    </aside>
  );
}
