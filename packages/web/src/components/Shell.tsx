/**
 * The signed-in layout: conversation list beside the open screen (one pane at a time on a
 * phone), the connection banner, toasts and the live region for screen readers.
 */
import { useEffect, useState } from "preact/hooks";
import { lazyView } from "../lazy.js";
import { useRoute } from "../router.js";
import { chat } from "../state/chat.js";
import { announcements, dismissToast, toasts } from "../state/notices.js";
import { convMuted } from "../state/notifications.js";
import { useStore } from "../state/store.js";
import { ConnectionBanner } from "./ConnectionBanner.js";
import { ConversationList } from "./ConversationList.js";
import { ConversationView } from "./ConversationView.js";
import { Icon } from "./icons.js";
import { MessageLink } from "./MessageLink.js";
import { NotifyHint } from "./NotifyHint.js";
import { RequestsPage } from "./RequestsPage.js";
import { SecondFactorDue } from "./two-factor/SecondFactorDue.js";

const AdminPage = lazyView(() => import("./admin/AdminPage.js").then((m) => m.AdminPage));
const NewChat = lazyView(() => import("./NewChat.js").then((m) => m.NewChat));
const SearchPanel = lazyView(() => import("./SearchPanel.js").then((m) => m.SearchPanel));
const Settings = lazyView(() => import("./Settings.js").then((m) => m.Settings));
const ThreadsPage = lazyView(() => import("./ThreadsPage.js").then((m) => m.ThreadsPage));

function useUnreadTitle() {
  const convs = useStore(chat, (s) => s.convs);
  // Bumped when the next mute runs out, so the count takes that conversation in again.
  const [expired, setExpired] = useState(0);
  useEffect(() => {
    const now = Date.now();
    // A declined request is out of sight, and so is what it holds; a muted conversation
    // asks for no attention.
    const unread = Object.values(convs).reduce(
      (n, c) => n + (c.unread_count > 0 && c.request !== "declined" && !convMuted(c, now) ? 1 : 0),
      0,
    );
    document.title = unread > 0 ? `(${unread}) Private Chat` : "Private Chat";
    const next = Math.min(
      ...Object.values(convs).map((c) =>
        convMuted(c, now) ? (c.notifications?.muted_until ?? Infinity) : Infinity,
      ),
    );
    // Timers take at most 2^31-1 ms; "until unmuted" never runs out.
    if (next - now > 2 ** 31 - 1) return;
    const timer = setTimeout(() => setExpired((n) => n + 1), next - now + 1);
    return () => clearTimeout(timer);
  }, [convs, expired]);
}

export function Shell() {
  const route = useRoute();
  useUnreadTitle();
  const showMain = route.name !== "home";
  return (
    <div class={showMain ? "shell show-main" : "shell"}>
      {/* One h1 on every screen, in a landmark: on a phone the list (and its "Chats"
          heading) is hidden while a conversation or page is open. */}
      <header class="sr-only">
        <h1>Private Chat</h1>
      </header>
      <ConnectionBanner />
      {/* The main landmark holds both panes: on a phone the list is the only one shown. */}
      <main class="panes">
        <ConversationList route={route} />
        <div class="main" id="main">
          <NotifyHint hidden={route.name === "settings"} />
          <SecondFactorDue hidden={route.name === "settings"} />
          {route.name === "chat" && (
            <ConversationView
              key={route.id}
              id={route.id}
              info={route.info}
              thread={route.thread}
            />
          )}
          {route.name === "message" && (
            <MessageLink
              key={`${route.conversationId}/${route.messageId}`}
              conversationId={route.conversationId}
              messageId={route.messageId}
            />
          )}
          {route.name === "new" && <NewChat />}
          {route.name === "settings" && <Settings />}
          {route.name === "admin" && <AdminPage section={route.section} />}
          {route.name === "requests" && <RequestsPage />}
          {route.name === "threads" && <ThreadsPage />}
          {route.name === "search" && <SearchPanel q={route.q} />}
          {route.name === "home" && (
            <div class="empty-main">
              <p>Select a conversation, or start a new one.</p>
            </div>
          )}
        </div>
      </main>
      <Toasts />
      <LiveRegion />
    </div>
  );
}

function Toasts() {
  const list = useStore(toasts, (t) => t);
  return (
    <div class="toasts" role="status" aria-live="polite">
      {list.map((t) => (
        <div class="toast" key={t.id}>
          <span>{t.text}</span>
          <button
            type="button"
            class="icon-btn"
            aria-label="Dismiss"
            onClick={() => dismissToast(t.id)}
          >
            <Icon name="close" />
          </button>
        </div>
      ))}
    </div>
  );
}

function LiveRegion() {
  const list = useStore(announcements, (a) => a);
  return (
    <div class="sr-only" role="log" aria-live="polite" aria-label="Incoming messages">
      {list.map((a) => (
        <p key={a.id}>{a.text}</p>
      ))}
    </div>
  );
}
