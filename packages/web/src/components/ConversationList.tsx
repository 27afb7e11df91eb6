/**
 * The sidebar: conversations by latest activity, with unread badges, last-message
 * previews and presence for direct chats. Message requests waiting for an answer are
 * listed apart, above the conversations; declined ones only on the requests page.
 */

import { isHiddenMessage, listSection, plainText, shownText } from "@private-chat/sdk";
import { useMemo, useState } from "preact/hooks";
import { useOpenPreviews, usePreview } from "../e2ee/preview.js";
import { conversationTitle, listTime, memberName, otherMembers } from "../format.js";
import { memo } from "../memo.js";
import { chatHref, type Route } from "../router.js";
import { activityOf, blockedIds, type Conv, chat, sortedConversations } from "../state/chat.js";
import { convMuted } from "../state/notifications.js";
import { useStore } from "../state/store.js";
import { Avatar } from "./Avatar.js";
import { Icon, type IconName } from "./icons.js";

/** An icon link in the sidebar's head, marked active on its own page. */
function HeadLink(props: {
  route: Route;
  to: Route["name"];
  href: string;
  label: string;
  icon: IconName;
  /** The tooltip, when it says more than the label. */
  children?: string;
}) {
  return (
    <a
      class={props.route.name === props.to ? "icon-btn active" : "icon-btn"}
      href={props.href}
      aria-label={props.label}
      title={props.children ?? props.label}
    >
      <Icon name={props.icon} />
    </a>
  );
}

export function ConversationList({ route }: { route: Route }) {
  const convs = useStore(chat, (s) => s.convs);
  const online = useStore(chat, (s) => s.online);
  const typing = useStore(chat, (s) => s.typing);
  const me = useStore(chat, (s) => s.me?.id);
  // The console's entry is for administrators only; the API refuses anyone else anyway.
  const isAdmin = useStore(chat, (s) => s.me?.is_admin === true);
  // The local copy shows like a loaded list (the banner says when it is all there is).
  const loaded = useStore(chat, (s) => s.loaded || s.restored);
  const loadError = useStore(chat, (s) => s.loadError);
  const blocked = useStore(chat, (s) => s.blocked);
  const [filter, setFilter] = useState("");
  const all = useMemo(() => sortedConversations(convs), [convs]);
  const sorted = useMemo(() => all.filter((c) => listSection(c) === "main"), [all]);
  const requests = useMemo(() => all.filter((c) => listSection(c) === "requests"), [all]);
  useOpenPreviews(me, sorted);
  const declined = all.length - sorted.length - requests.length;
  const needle = filter.trim().toLowerCase();
  const matches = (c: Conv) => !needle || conversationTitle(c, me).toLowerCase().includes(needle);
  const shown = sorted.filter(matches);
  const activeId = route.name === "chat" ? route.id : null;
  const hiding = blockedIds(blocked);
  const item = (c: Conv) => {
    const other = c.type === "direct" ? otherMembers(c, me)[0] : undefined;
    const until = Object.values(typing[c.id] ?? {});
    // A request shows no presence or typing, either way, until it is accepted.
    const quiet = c.request !== undefined;
    return (
      <Item
        key={c.id}
        conv={c}
        active={c.id === activeId}
        me={me}
        online={other && !quiet ? (online[other.user.id] ?? other.online) : undefined}
        typing={!quiet && until.some((t) => t > Date.now())}
        hidden={!!c.last_message && isHiddenMessage(c.last_message, hiding, c.type)}
      />
    );
  };

  return (
    <nav class="sidebar" aria-label="Conversations">
      <header class="side-head">
        <h2>Chats</h2>
        <HeadLink
          route={route}
          to="search"
          href="#/search/"
          label="Search messages"
          icon="search"
        />
        <HeadLink route={route} to="threads" href="#/threads" label="Threads" icon="thread">
          Threads you follow
        </HeadLink>
        <HeadLink route={route} to="new" href="#/new" label="New chat" icon="plus" />
        {isAdmin && (
          <HeadLink route={route} to="admin" href="#/admin" label="Administration" icon="shield" />
        )}
        <HeadLink route={route} to="settings" href="#/settings" label="Settings" icon="gear" />
      </header>
      <div class="side-search">
        <Icon name="search" />
        <input
          type="search"
          aria-label="Filter conversations"
          placeholder="Search"
          value={filter}
          onInput={(e) => setFilter(e.currentTarget.value)}
        />
      </div>
      {!loaded && loadError && (
        <p class="side-note" role="alert">
          {loadError}
        </p>
      )}
      {!loaded && !loadError && <p class="side-note">Loading…</p>}
      {requests.length > 0 && (
        <section class="requests" aria-labelledby="requests-title">
          <h2 id="requests-title" class="side-section">
            <a href="#/requests">
              Requests <span class="badge">{requests.length}</span>
              <span class="sr-only"> waiting for your answer</span>
            </a>
          </h2>
          <ul class="conv-list" aria-label="Message requests">
            {requests.filter(matches).map(item)}
          </ul>
        </section>
      )}
      {requests.length === 0 && declined > 0 && (
        <p class="side-section">
          <a href="#/requests">Declined requests ({declined})</a>
        </p>
      )}
      {loaded && sorted.length === 0 && requests.length === 0 && (
        <div class="side-note">
          <p>No conversations yet.</p>
          <a class="button primary" href="#/new">
            Start a chat
          </a>
        </div>
      )}
      {requests.length > 0 && (
        <h2 class="side-section" id="chats-title">
          Conversations
        </h2>
      )}
      <ul class="conv-list" aria-labelledby={requests.length > 0 ? "chats-title" : undefined}>
        {shown.map(item)}
      </ul>
    </nav>
  );
}

/** `opened`: the plaintext of an encrypted last message, where this browser's device opened it. */
function preview(
  conv: Conv,
  me: string | undefined,
  hidden: boolean,
  opened: string | undefined,
): string {
  const m = conv.last_message;
  if (conv.request === "sent" && !m) return "Request sent";
  if (!m) return conv.type === "group" ? `${conv.members.length} members` : "Say hello 👋";
  if (m.deleted) return "message deleted";
  if (hidden) return "Message from a person you blocked";
  const who =
    m.sender_id === me
      ? "You: "
      : conv.type === "group"
        ? `${memberName(conv, m.sender_id)}: `
        : "";
  // A message of files alone has no text to show.
  if (m.body === "") return `${who}📎 ${m.attachments?.[0]?.name ?? "Attachment"}`;
  // The words only: formatting characters would be noise in one line.
  const words = opened === undefined ? shownText(m) : plainText(opened);
  return who + words.replace(/\s+/g, " ").slice(0, 120);
}

interface ItemProps {
  conv: Conv;
  active: boolean;
  me: string | undefined;
  online: boolean | undefined;
  typing: boolean;
  /** The last message is a blocked person's, hidden in the timeline too. */
  hidden: boolean;
}

const Item = memo(function Item({ conv, active, me, online, typing, hidden }: ItemProps) {
  const title = conversationTitle(conv, me);
  const other = conv.type === "direct" ? otherMembers(conv, me)[0] : undefined;
  const unread = conv.unread_count;
  const when = activityOf(conv);
  const muted = convMuted(conv);
  const opened = usePreview(conv.last_message);
  return (
    <li>
      <a
        href={chatHref(conv.id)}
        class={`conv${unread > 0 ? " unread" : ""}${muted ? " muted" : ""}`}
        aria-current={active ? "page" : undefined}
      >
        <Avatar id={other?.user.id ?? conv.id} name={title} online={online} />
        <span class="conv-body">
          <span class="conv-top">
            <span class="conv-title">{title}</span>
            {online && <span class="sr-only"> (online)</span>}
            {conv.encrypted && (
              <span class="conv-mark" title="End-to-end encrypted">
                <Icon name="lock" />
                <span class="sr-only"> (end-to-end encrypted)</span>
              </span>
            )}
            {muted && (
              <span class="conv-muted" title="Muted">
                <Icon name="bellOff" />
                <span class="sr-only"> (muted)</span>
              </span>
            )}
            <time class="conv-time">{listTime(when)}</time>
          </span>
          <span class="conv-bottom">
            <span class={conv.last_message?.deleted ? "conv-preview muted-i" : "conv-preview"}>
              {typing ? <em class="typing-text">typing…</em> : preview(conv, me, hidden, opened)}
            </span>
            {conv.request === "sent" && <span class="role">waiting</span>}
            {conv.request === "pending" && <span class="role">request</span>}
            {conv.mentioned && (
              <span class="badge at" title="You were mentioned">
                @
              </span>
            )}
            {unread > 0 && (
              <span class="badge">
                {unread > 99 ? "99+" : unread}
                <span class="sr-only"> unread</span>
              </span>
            )}
          </span>
        </span>
      </a>
    </li>
  );
});
