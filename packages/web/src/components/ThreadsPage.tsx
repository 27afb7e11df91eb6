/**
 * The threads the user follows, the latest reply first, each with its conversation, its
 * root's text and how many replies are unread. Read afresh whenever a thread event says
 * the list may have changed.
 */
import { shownText } from "@private-chat/sdk";
import { useEffect } from "preact/hooks";
import { conversationTitle, listTime, memberName } from "../format.js";
import { threadHref } from "../router.js";
import { chat } from "../state/chat.js";
import { useStore } from "../state/store.js";
import { followed, loadFollowed } from "../state/threads.js";
import { PageHead } from "./PageHead.js";

export function ThreadsPage() {
  const list = useStore(followed, (f) => f);
  const activity = useStore(chat, (s) => s.threadActivity);
  const convs = useStore(chat, (s) => s.convs);
  const me = useStore(chat, (s) => s.me?.id);
  useEffect(() => void loadFollowed(), [activity]);

  return (
    <section class="page" aria-labelledby="threads-page-title">
      <PageHead id="threads-page-title" title="Threads" />
      <div class="page-body">
        {list.error && (
          <p class="error" role="alert">
            {list.error}{" "}
            <button type="button" class="link" onClick={() => void loadFollowed()}>
              Try again
            </button>
          </p>
        )}
        {list.threads.length === 0 && !list.loading && !list.error && (
          <p class="muted">
            No threads yet. Replying in a thread, or being mentioned in one, follows it.
          </p>
        )}
        {list.threads.length > 0 && (
          <ul class="followed-threads">
            {list.threads.map(({ root, unread_count }) => {
              const conv = convs[root.conversation_id];
              const where = conv ? conversationTitle(conv, me) : "A conversation";
              const summary = root.thread;
              return (
                <li key={root.id}>
                  <a href={threadHref(root.conversation_id, root.id)} class="followed-thread">
                    <span class="followed-where">{where}</span>
                    <span class="followed-text">
                      {memberName(conv, root.sender_id)}:{" "}
                      {root.deleted ? "message deleted" : shownText(root)}
                    </span>
                    {unread_count > 0 && (
                      <span class="badge">
                        {unread_count}
                        <span class="sr-only"> unread</span>
                      </span>
                    )}
                    <span class="followed-meta">
                      {summary?.reply_count ?? 0} {summary?.reply_count === 1 ? "reply" : "replies"}
                      {summary?.last_reply_at ? `, last ${listTime(summary.last_reply_at)}` : ""}
                    </span>
                  </a>
                </li>
              );
            })}
          </ul>
        )}
        {list.nextCursor && (
          <button
            type="button"
            class="link"
            disabled={list.loading}
            onClick={() => void loadFollowed(list.nextCursor ?? undefined)}
          >
            Show more threads
          </button>
        )}
      </div>
    </section>
  );
}
