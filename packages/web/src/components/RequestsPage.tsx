/**
 * Message requests: the ones waiting for an answer, and the declined ones, which can
 * still be opened and accepted.
 */
import { listSection } from "@private-chat/sdk";
import { useMemo, useState } from "preact/hooks";
import { conversationTitle, listTime, otherMembers } from "../format.js";
import { chatHref } from "../router.js";
import { activityOf, type Conv, chat, sortedConversations } from "../state/chat.js";
import { acceptRequest } from "../state/requests.js";
import { useStore } from "../state/store.js";
import { Avatar } from "./Avatar.js";
import { PageHead } from "./PageHead.js";

export function RequestsPage() {
  const convs = useStore(chat, (s) => s.convs);
  const me = useStore(chat, (s) => s.me?.id);
  const sorted = useMemo(() => sortedConversations(convs), [convs]);
  const pending = sorted.filter((c) => listSection(c) === "requests");
  const declined = sorted.filter((c) => listSection(c) === "declined");
  return (
    <section class="page" aria-labelledby="requests-page-title">
      <PageHead id="requests-page-title" title="Message requests" />
      <div class="page-body">
        <div class="card">
          <h3>Waiting for your answer</h3>
          {pending.length === 0 ? (
            <p class="muted">No message requests.</p>
          ) : (
            <ul class="request-list">
              {pending.map((c) => (
                <Row key={c.id} conv={c} me={me} />
              ))}
            </ul>
          )}
        </div>
        <div class="card">
          <h3>Declined</h3>
          {declined.length === 0 ? (
            <p class="muted">No declined requests.</p>
          ) : (
            <ul class="request-list">
              {declined.map((c) => (
                <Row key={c.id} conv={c} me={me} acceptable />
              ))}
            </ul>
          )}
        </div>
      </div>
    </section>
  );
}

function Row({
  conv,
  me,
  acceptable,
}: {
  conv: Conv;
  me: string | undefined;
  acceptable?: boolean;
}) {
  const [busy, setBusy] = useState(false);
  const title = conversationTitle(conv, me);
  const other = otherMembers(conv, me)[0];
  return (
    <li>
      <Avatar id={other?.user.id ?? conv.id} name={title} size="sm" />
      <a href={chatHref(conv.id)} class="strong">
        {title}
      </a>
      <span class="muted">{listTime(activityOf(conv))}</span>
      {acceptable && (
        <button
          type="button"
          class="small"
          disabled={busy}
          aria-label={`Accept the request from ${title}`}
          onClick={async () => {
            setBusy(true);
            await acceptRequest(conv.id);
            setBusy(false);
          }}
        >
          Accept
        </button>
      )}
    </li>
  );
}
