/**
 * The message list. It scrolls from the bottom (column-reverse), so new messages stay in
 * view and older pages load above without moving what is on screen. In a group, each run
 * of messages from people the user blocked is one collapsed line with a Show button.
 */

import { hideBlocked, type MessageView, type UserView } from "@private-chat/sdk";
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { opened } from "../e2ee/opened.js";
import { inMainTimeline, sharedFold } from "../e2ee/shown.js";
import { dayLabel, joinNames, sameDay } from "../format.js";
import { fetchQuote, loadOlder } from "../state/actions.js";
import { blockedIds, type Conv, chat, inTimeline, myReadSeq } from "../state/chat.js";
import { useStore } from "../state/store.js";
import { Icon } from "./icons.js";
import { MessageItem, PendingItem } from "./MessageItem.js";
import { useBotOf, useNameOf } from "./useNameOf.js";
import type { OnReply } from "./useReplyOrEdit.js";
import { useReveal } from "./useReveal.js";

interface Props {
  conv: Conv;
  me: UserView | null;
  onReply: OnReply;
  onEdit: (m: MessageView) => void;
}

const GROUP_GAP_MS = 5 * 60_000;

/** Who among the others has read up to this message. */
function receiptFor(conv: Conv, message: MessageView, meId: string | undefined): string {
  // No read receipts flow in a message request until it is accepted.
  if (conv.request !== undefined) return "Sent";
  const seen = conv.members.filter((m) => m.user.id !== meId && m.read_seq >= message.seq);
  if (seen.length === 0) return "Delivered";
  if (conv.type === "direct") return "Seen";
  const everyone = seen.length === conv.members.length - 1 && seen.length > 3;
  return everyone
    ? "Seen by everyone"
    : `Seen by ${joinNames(seen.map((m) => m.user.display_name))}`;
}

export function Timeline({ conv, me, onReply, onEdit }: Props) {
  const id = conv.id;
  const timeline = useStore(chat, (s) => s.timelines[id]);
  const outbox = useStore(chat, (s) => s.outbox[id]);
  const pending = useMemo(() => outbox?.filter(inTimeline), [outbox]);
  const quotes = useStore(chat, (s) => s.quotes);
  const blocked = useStore(chat, (s) => s.blocked);
  // Runs of hidden messages the user chose to show, by their first message's id.
  const [revealed, setRevealed] = useState<ReadonlySet<string>>(() => new Set());
  const scroller = useRef<HTMLDivElement>(null);
  const [away, setAway] = useState(false);
  useReveal(id, scroller);
  // Where "New messages" goes: the read mark when the conversation was opened.
  const [readAtOpen] = useState(() => myReadSeq(conv, me?.id));
  const loaded = timeline?.messages;
  // An encrypted conversation as this browser's device folded it (edits and reactions
  // applied, not shown as lines; thread replies in their thread's panel, as plain ones);
  // the whole store, since a message changes by another's.
  const read = useStore(opened, (all) => (conv.encrypted ? all : undefined));
  const shown = useMemo(
    () => (read && loaded ? sharedFold(loaded, read) : (loaded ?? [])),
    [loaded, read],
  );
  const messages = useMemo(() => (read ? shown.filter(inMainTimeline) : shown), [shown, read]);
  const byId = useMemo(() => new Map(shown.map((m) => [m.id, m])), [shown]);
  const nameOf = useNameOf(conv);
  const botOf = useBotOf(conv);

  const check = () => {
    const el = scroller.current;
    if (!el) return;
    setAway(-el.scrollTop > 600);
    // scrollTop is 0 at the bottom and negative above it.
    if (el.scrollHeight - el.clientHeight + el.scrollTop < 400) loadOlder(id);
  };

  // Keep loading while the loaded messages do not fill the view.
  useEffect(check, [messages.length, timeline?.loading]);

  // Jump to the bottom when the user sends something.
  const pendingCount = pending?.length ?? 0;
  const lastPending = useRef(pendingCount);
  useEffect(() => {
    if (pendingCount > lastPending.current && scroller.current) scroller.current.scrollTop = 0;
    lastPending.current = pendingCount;
  }, [pendingCount]);

  useEffect(() => {
    for (const m of messages) {
      if (m.reply_to && !byId.has(m.reply_to) && !(m.reply_to in quotes))
        void fetchQuote(m.reply_to);
    }
  }, [messages, byId, quotes]);

  const meId = me?.id;
  let lastMine: MessageView | undefined;
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m && m.sender_id === meId && !m.deleted) {
      lastMine = m;
      break;
    }
  }
  const runs = hideBlocked(messages, blockedIds(blocked), conv.type);
  const hidden = new Set<string>();
  for (const run of runs)
    if (run.kind === "hidden" && !revealed.has(run.messages[0]?.id ?? ""))
      for (const m of run.messages) hidden.add(m.id);
  const firstUnread = messages.find(
    (m) => m.seq > readAtOpen && m.sender_id !== meId && !hidden.has(m.id),
  );
  const items = [];
  let prev: MessageView | undefined;
  for (const run of runs) {
    const first = run.kind === "hidden" ? run.messages[0] : undefined;
    if (first && hidden.has(first.id)) {
      const n = run.kind === "hidden" ? run.messages.length : 0;
      items.push(
        <li class="hidden-run" key={`h${first.id}`}>
          <span>{n === 1 ? "Message" : `${n} messages`} from a person you blocked</span>
          <button
            type="button"
            class="link"
            onClick={() => setRevealed((set) => new Set(set).add(first.id))}
          >
            Show
          </button>
        </li>,
      );
      // The next message starts a new group of its own (its sender differs).
      prev = run.kind === "hidden" ? run.messages.at(-1) : prev;
      continue;
    }
    for (const m of run.kind === "hidden" ? run.messages : [run.message]) {
      const newDay = !prev || !sameDay(prev.created_at, m.created_at);
      if (newDay) {
        items.push(
          <li class="divider" key={`d${m.id}`}>
            <span>{dayLabel(m.created_at)}</span>
          </li>,
        );
      }
      if (m === firstUnread) {
        items.push(
          <li class="divider unread" key="unread">
            <span>New messages</span>
          </li>,
        );
      }
      const continued =
        !!prev &&
        !newDay &&
        m !== firstUnread &&
        prev.sender_id === m.sender_id &&
        m.created_at - prev.created_at < GROUP_GAP_MS;
      const quote = m.reply_to ? (byId.get(m.reply_to) ?? quotes[m.reply_to] ?? null) : null;
      items.push(
        <MessageItem
          key={m.id}
          message={m}
          myId={meId ?? ""}
          myUsername={me?.username}
          group={conv.type === "group"}
          canModerate={conv.type === "group" && conv.role !== "member"}
          nameOf={nameOf}
          botOf={botOf}
          continued={continued}
          quote={quote}
          receipt={m === lastMine ? receiptFor(conv, m, meId) : undefined}
          onReply={onReply}
          onEdit={onEdit}
        />,
      );
      prev = m;
    }
  }

  return (
    <div class="timeline">
      <div class="scroller" ref={scroller} onScroll={check}>
        <div class="scroll-inner">
          {timeline?.loading && <p class="loading-older">Loading messages…</p>}
          {timeline?.error && (
            <p class="error center" role="alert">
              {timeline.error}{" "}
              <button type="button" class="link" onClick={() => loadOlder(id)}>
                Try again
              </button>
            </p>
          )}
          {timeline && !timeline.hasOlder && !timeline.loading && (
            <p class="start">This is the beginning of the conversation.</p>
          )}
          <ol class="messages" aria-label="Messages">
            {items}
            {pending?.map((p) => (
              <PendingItem
                key={p.clientId}
                pending={p}
                myUsername={me?.username}
                nameOf={nameOf}
                quote={p.reply_to ? (byId.get(p.reply_to) ?? null) : null}
              />
            ))}
          </ol>
        </div>
      </div>
      {away && (
        <button
          type="button"
          class="jump"
          aria-label="Jump to latest messages"
          onClick={() => scroller.current?.scrollTo({ top: 0, behavior: "smooth" })}
        >
          <Icon name="down" />
        </button>
      )}
    </div>
  );
}
