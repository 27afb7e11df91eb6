/**
 * Opening a link to a message (#/c/<conversation>/m/<message>): asks the server for it,
 * then opens the conversation there, where the timeline loads history back to it,
 * highlights it and moves focus to it (as for a search result); a reply in its thread
 * alone opens the thread beside the conversation, at that reply. A message the reader may
 * not see, one deleted, one that never existed and a malformed link all get the same
 * "not found".
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { chatHref, navigate, threadHref } from "../router.js";
import { type LinkOutcome, resolveMessageLink } from "../state/message-links.js";
import { revealMessage } from "../state/search.js";
import { PageHead } from "./PageHead.js";

interface Props {
  conversationId: string;
  messageId: string;
}

export function MessageLink({ conversationId, messageId }: Props) {
  const [outcome, setOutcome] = useState<LinkOutcome | null>(null);
  const [attempt, setAttempt] = useState(0);
  const page = useRef<HTMLElement>(null);

  useEffect(() => {
    let live = true;
    setOutcome(null);
    void resolveMessageLink(conversationId, messageId).then((result) => {
      if (!live) return;
      if (result.kind === "found") {
        revealMessage(result.target);
        // The link has done its job: Back leaves the conversation, not back into the link.
        navigate(chatHref(conversationId), true);
      } else if (result.kind === "in-thread") {
        revealMessage(result.target);
        navigate(threadHref(conversationId, result.rootId), true);
      } else setOutcome(result);
    });
    return () => {
      live = false;
    };
  }, [conversationId, messageId, attempt]);

  // Focus goes to the heading, so a screen reader says at once what happened.
  useEffect(() => {
    const heading = page.current?.querySelector("h2");
    if (!heading) return;
    heading.tabIndex = -1;
    heading.focus();
  }, [outcome]);

  if (!outcome) {
    return (
      <div class="empty-main">
        <p role="status">Opening the message…</p>
      </div>
    );
  }
  const missing = outcome.kind === "not-found";
  return (
    <section ref={page} class="page" aria-labelledby="link-title">
      <PageHead
        id="link-title"
        title={missing ? "Message not found" : "Couldn't open the message"}
      />
      <div class="page-body">
        {outcome.kind === "failed" ? (
          <p class="error" role="alert">
            {outcome.error}{" "}
            <button type="button" class="link" onClick={() => setAttempt((n) => n + 1)}>
              Try again
            </button>
          </p>
        ) : (
          <p>This message doesn't exist, was deleted, or is in a conversation you can't see.</p>
        )}
        <p>
          <a href="#/">Back to conversations</a>
        </p>
      </div>
    </section>
  );
}
