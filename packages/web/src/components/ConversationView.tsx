/**
 * One conversation: header, timeline, typing line and composer, with the members panel
 * or a thread beside it (or instead of it, on a phone) when open. A message request
 * asking the user shows the request bar instead of the composer; one the user sent
 * shows no presence. An end-to-end encrypted conversation shows a lock, and in place of
 * the composer a note: this browser holds no keys to read or write it (docs/E2EE.md).
 */

import { useEffect } from "preact/hooks";
import { deviceHere, deviceOf, lookForDevice, openedAgain, openMessages } from "../e2ee/opened.js";
import { conversationTitle, joinNames, lastSeen, memberName, otherMembers } from "../format.js";
import { chatHref } from "../router.js";
import { openTimeline } from "../state/actions.js";
import { chat } from "../state/chat.js";
import { loadPins } from "../state/pins.js";
import { markRead, setViewing } from "../state/read.js";
import { useStore } from "../state/store.js";
import { addFiles } from "../state/uploads.js";
import { Avatar } from "./Avatar.js";
import { Composer } from "./Composer.js";
import { EncryptedComposer } from "./EncryptedComposer.js";
import { Icon } from "./icons.js";
import { MembersPanel } from "./MembersPanel.js";
import { NotificationMenu } from "./NotificationMenu.js";
import { RequestBar } from "./RequestBar.js";
import { ThreadPanel } from "./ThreadPanel.js";
import { Timeline } from "./Timeline.js";
import { useReplyOrEdit } from "./useReplyOrEdit.js";
import { useVisible } from "./useVisible.js";

interface Props {
  id: string;
  info: boolean;
  /** The root of the thread open beside the conversation. */
  thread?: string | undefined;
}

export function ConversationView({ id, info, thread }: Props) {
  const conv = useStore(chat, (s) => s.convs[id]);
  const me = useStore(chat, (s) => s.me);
  const loaded = useStore(chat, (s) => s.loaded);
  // One of the list's later pages may still bring it.
  const listing = useStore(chat, (s) => s.listing);
  const conn = useStore(chat, (s) => s.conn);
  const online = useStore(chat, (s) => s.online);
  const seen = useStore(chat, (s) => s.seen);
  const typing = useStore(chat, (s) => s.typing[id]);
  const visible = useVisible();
  const act = useReplyOrEdit();
  const { replyTo, editing } = act;
  const exists = conv !== undefined;

  // Again once the server's list arrives: messages shown from the local copy are refreshed.
  useEffect(() => {
    if (exists) openTimeline(id);
  }, [id, exists, loaded]);

  // The pins, so each message's actions offer Pin or Unpin (read again when dropped).
  const pinsLoaded = useStore(chat, (s) => s.pins[id] !== undefined);
  useEffect(() => {
    if (exists && !pinsLoaded) void loadPins(id);
  }, [id, exists, pinsLoaded]);

  useEffect(() => {
    setViewing(visible && exists ? id : null);
    return () => setViewing(null);
  }, [id, visible, exists]);

  useEffect(() => {
    if (visible) markRead(id);
  }, [id, conv?.last_seq, conv?.unread_count, conn, visible]);

  // An encrypted conversation on a browser that is one of the person's devices: its
  // messages open here, and the composer encrypts (e2ee/opened.ts).
  const device = deviceOf(
    useStore(deviceHere, (d) => d),
    me?.id,
  );
  const messages = useStore(chat, (s) => s.timelines[id]?.messages);
  // The history filled in (a key backup restored, history shared): open what was unread.
  const again = useStore(openedAgain, (n) => n);
  const encrypted = conv?.encrypted === true;
  useEffect(() => {
    if (encrypted && me && device === undefined) void lookForDevice(me.id);
  }, [encrypted, me?.id, device]);
  useEffect(() => {
    if (conv && encrypted && me && device && messages) void openMessages(me.id, conv, messages);
  }, [conv, me?.id, device, messages, again]);

  if (!conv) {
    return (
      <div class="empty-main">
        {loaded && !listing ? (
          <p>
            This conversation is not available. <a href="#/">Back to conversations</a>
          </p>
        ) : (
          <p>Loading…</p>
        )}
      </div>
    );
  }

  const title = conversationTitle(conv, me?.id);
  const attachable = !conv.encrypted || Boolean(device && me);
  const other = conv.type === "direct" ? otherMembers(conv, me?.id)[0] : undefined;
  // No presence or typing flows in a request, either way, until it is accepted.
  const quiet = conv.request !== undefined;
  const otherOnline = other && !quiet ? (online[other.user.id] ?? other.online) : undefined;
  const typers = Object.entries(quiet ? {} : (typing ?? {}))
    .filter(([, until]) => until > Date.now())
    .map(([userId]) => memberName(conv, userId));
  const typingText =
    typers.length === 0
      ? ""
      : typers.length > 3
        ? "Several people are typing…"
        : `${joinNames(typers)} ${typers.length === 1 ? "is" : "are"} typing…`;
  const subtitle = other
    ? conv.request === "sent"
      ? `Waiting for ${other.user.display_name} to accept`
      : quiet
        ? "Message request"
        : otherOnline
          ? "online"
          : lastSeen(seen[other.user.id] ?? other.last_seen_at)
    : `${conv.members.length} member${conv.members.length === 1 ? "" : "s"}`;

  return (
    <div class={info || thread ? "conversation with-panel" : "conversation"}>
      <section
        class="thread"
        aria-label={`Conversation with ${title}`}
        onDragOver={(e) => {
          // Files dropped anywhere on the conversation are attached to the next message
          // (sealed first in an encrypted one, where only this browser's device sends).
          if (e.dataTransfer?.types.includes("Files") && attachable) e.preventDefault();
        }}
        onDrop={(e) => {
          if (!e.dataTransfer?.files.length || !attachable) return;
          e.preventDefault();
          addFiles(id, e.dataTransfer.files);
        }}
      >
        <header class="thread-head">
          <a class="icon-btn back" href="#/" aria-label="Back to conversations">
            <Icon name="back" />
          </a>
          <Avatar id={other?.user.id ?? conv.id} name={title} online={otherOnline} />
          <div class="thread-title">
            <h2>
              {title}
              {conv.encrypted && (
                <span class="title-mark" title="End-to-end encrypted">
                  <Icon name="lock" />
                  <span class="sr-only"> (end-to-end encrypted)</span>
                </span>
              )}
            </h2>
            <p class={otherOnline ? "sub online" : "sub"}>{subtitle}</p>
          </div>
          <NotificationMenu conv={conv} />
          <a
            class={info ? "icon-btn active" : "icon-btn"}
            href={chatHref(id, !info)}
            aria-label={conv.type === "group" ? "Group members" : "Conversation details"}
            aria-expanded={info}
            title="Details"
          >
            <Icon name="info" />
          </a>
        </header>
        <Timeline conv={conv} me={me} onReply={act.reply} onEdit={act.edit} />
        <p class="typing" aria-live="polite">
          {typingText && (
            <>
              <span class="typing-dots" aria-hidden="true">
                <i />
                <i />
                <i />
              </span>
              {typingText}
            </>
          )}
        </p>
        {conv.request === "pending" || conv.request === "declined" ? (
          <RequestBar conv={conv} me={me?.id} />
        ) : other?.user.deleted ? (
          // The server refuses sends here (account_deleted): say why instead of a box.
          <div class="request-bar" role="note">
            <p>
              This account was deleted. The conversation stays readable, but takes no new messages.
            </p>
          </div>
        ) : conv.encrypted && device && me ? (
          <EncryptedComposer
            key={editing?.id ?? "new"}
            conv={conv}
            userId={me.id}
            editing={editing}
            onCancelEdit={act.cancelEdit}
            replyTo={replyTo}
            onCancelReply={act.cancelReply}
          />
        ) : conv.encrypted ? (
          // The server takes only MLS messages here (encryption_required), which this
          // browser cannot make yet: say so instead of a box whose sends would be refused.
          <div class="request-bar" role="note">
            <p>
              End-to-end encrypted: only its members' devices can read and write here, and this
              browser is not one of them yet. Make it one in <a href="#/settings">Settings</a>, or
              read and answer in the terminal client, with <code>chat-client tail --encrypted</code>
              .
            </p>
          </div>
        ) : (
          <Composer
            key={editing?.id ?? "new"}
            conv={conv}
            replyTo={replyTo}
            editing={editing}
            onCancelReply={act.cancelReply}
            onCancelEdit={act.cancelEdit}
            onEditLast={act.edit}
          />
        )}
      </section>
      {thread ? (
        <ThreadPanel key={thread} conv={conv} rootId={thread} visible={visible} />
      ) : (
        info && <MembersPanel conv={conv} />
      )}
    </div>
  );
}
