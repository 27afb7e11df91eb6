/**
 * Pure state transitions. Every one is idempotent, so a replayed event (after a reload
 * or a reconnect) or an event that races a REST answer leaves the same state.
 */
import {
  applyReaction,
  type BlockView,
  type ConversationView,
  createdRequestState,
  isHiddenMessage,
  isThreadOnly,
  type MemberView,
  type MessageView,
  type StoredEvent,
  withoutRequest,
} from "@private-chat/sdk";
import { blockedIds, type ChatState, type Conv, myReadSeq, type Timeline } from "./chat.js";
import { applyPinEvent, refreshPinned } from "./pin-list.js";
import {
  dropThreadsOf,
  patchInThreads,
  putInThreads,
  setFollowing,
  setSummary,
  setThreadRead,
} from "./thread-state.js";

/** Inserts or replaces a message, keeping the list ordered by seq. */
export function putMessage(list: MessageView[], message: MessageView): MessageView[] {
  const at = list.findIndex((m) => m.id === message.id);
  if (at >= 0) {
    const next = list.slice();
    next[at] = message;
    return next;
  }
  const i = list.findLastIndex((m) => m.seq <= message.seq) + 1;
  return [...list.slice(0, i), message, ...list.slice(i)];
}

/** Merges a page of history into a timeline's messages (live ones win). */
export function mergePage(list: MessageView[], page: MessageView[]): MessageView[] {
  const byId = new Map(page.map((m) => [m.id, m]));
  for (const m of list) byId.set(m.id, m);
  return [...byId.values()].sort((a, b) => a.seq - b.seq);
}

function withConv(state: ChatState, conv: Conv): ChatState {
  return { ...state, convs: { ...state.convs, [conv.id]: conv } };
}

function withTimeline(state: ChatState, id: string, timeline: Timeline): ChatState {
  return { ...state, timelines: { ...state.timelines, [id]: timeline } };
}

function setMemberRead(conv: Conv, userId: string, seq: number): Conv {
  let changed = false;
  const members = conv.members.map((m) => {
    if (m.user.id !== userId || m.read_seq >= seq) return m;
    changed = true;
    return { ...m, read_seq: seq };
  });
  return changed ? { ...conv, members } : conv;
}

export function dropPending(state: ChatState, conversationId: string, clientId: string): ChatState {
  const list = state.outbox[conversationId];
  if (!list?.some((p) => p.clientId === clientId)) return state;
  const rest = list.filter((p) => p.clientId !== clientId);
  return { ...state, outbox: { ...state.outbox, [conversationId]: rest } };
}

function clearTyping(state: ChatState, conversationId: string, userId: string): ChatState {
  const typing = state.typing[conversationId];
  if (!typing || !(userId in typing)) return state;
  const { [userId]: _gone, ...rest } = typing;
  return { ...state, typing: { ...state.typing, [conversationId]: rest } };
}

/** A new or changed message, from an event, an ack or a REST answer. */
export function upsertMessage(state: ChatState, message: MessageView): ChatState {
  const me = state.me?.id;
  const cid = message.conversation_id;
  // A reply in its thread alone stays out of the timeline, its preview and unread count.
  const threadOnly = isThreadOnly(message);
  let next = putInThreads(state, message);
  const timeline = next.timelines[cid];
  if (timeline && !threadOnly) {
    next = withTimeline(next, cid, {
      ...timeline,
      messages: putMessage(timeline.messages, message),
    });
  }
  if (message.client_id && message.sender_id === me) {
    next = dropPending(next, cid, message.client_id);
  }
  const conv = next.convs[cid];
  if (conv) {
    let c: Conv = conv;
    if (threadOnly) {
      if (message.seq > c.last_seq)
        c = setMemberRead({ ...c, last_seq: message.seq }, message.sender_id, message.seq);
    } else if (message.seq > c.last_seq) {
      const mine = message.sender_id === me;
      // A blocked person's message in a group is hidden, so it counts as nothing unread.
      const hidden = isHiddenMessage(message, blockedIds(next.blocked), c.type);
      c = {
        ...c,
        last_seq: message.seq,
        last_message: message,
        last_activity_at: Math.max(c.last_activity_at, message.created_at),
        unread_count: mine ? 0 : c.unread_count + (message.deleted || hidden ? 0 : 1),
      };
      if (mine) c = { ...c, mentioned: false };
      // The server moves a sender's read position to what they send, with no read event.
      c = setMemberRead(c, message.sender_id, message.seq);
    } else if (c.last_message?.id === message.id) {
      c = { ...c, last_message: message };
    }
    if (c !== conv) next = withConv(next, c);
  }
  if (message.id in next.quotes)
    next = { ...next, quotes: { ...next.quotes, [message.id]: message } };
  return clearTyping(next, cid, message.sender_id);
}

function patchMessage(
  state: ChatState,
  cid: string,
  id: string,
  patch: (m: MessageView) => MessageView,
): ChatState {
  let next = state;
  const timeline = state.timelines[cid];
  const found = timeline?.messages.find((m) => m.id === id);
  if (timeline && found) {
    next = withTimeline(next, cid, {
      ...timeline,
      messages: putMessage(timeline.messages, patch(found)),
    });
  }
  const conv = next.convs[cid];
  if (conv?.last_message?.id === id) {
    next = withConv(next, { ...conv, last_message: patch(conv.last_message) });
  }
  return patchInThreads(next, id, patch);
}

function newMember(
  state: ChatState,
  conv: Conv,
  user: MemberView["user"],
  role: MemberView["role"],
): MemberView {
  return {
    user,
    role,
    joined_at: Date.now(),
    read_seq: conv.last_seq,
    online: state.online[user.id] ?? false,
    last_seen_at: null,
  };
}

export function removeConversation(state: ChatState, id: string): ChatState {
  const { [id]: _c, ...convs } = state.convs;
  const { [id]: _t, ...timelines } = state.timelines;
  const { [id]: _o, ...outbox } = state.outbox;
  return dropThreadsOf({ ...state, convs, timelines, outbox }, id);
}

/** Tells the list of followed threads that it may be out of date. */
function bumpThreads(state: ChatState): ChatState {
  return { ...state, threadActivity: state.threadActivity + 1 };
}

export function applyEvent(state: ChatState, event: StoredEvent): ChatState {
  // Another device (or this one) changed the do-not-disturb hours: Settings shows them.
  if (event.type === "dnd.updated") return { ...state, dnd: event.dnd };
  // About a device's key packages, nothing shown: the live socket answers it for this
  // browser's own device (e2ee/low-key-packages.ts).
  if (event.type === "device.key_packages_low") return state;
  const me = state.me?.id;
  const conv = state.convs[event.conversation_id];
  switch (event.type) {
    case "message.new":
      return upsertMessage(state, event.message);
    case "message.updated":
    case "message.deleted":
      return refreshPinned(upsertMessage(state, event.message), event.message);
    case "message.pinned":
    case "message.unpinned":
      return applyPinEvent(state, event);
    case "thread.updated":
      return bumpThreads(
        patchMessage(state, event.conversation_id, event.root_id, (m) =>
          setSummary(m, event.thread),
        ),
      );
    case "thread.read":
      return bumpThreads(setThreadRead(state, event.root_id, event.thread_seq));
    case "thread.followed":
      return bumpThreads(setFollowing(state, event.root_id, event.following));
    case "reaction":
      return patchMessage(state, event.conversation_id, event.message_id, (m) => {
        const reactions = applyReaction(m.reactions, event);
        const { reactions: _old, ...rest } = m;
        return reactions ? { ...rest, reactions } : rest;
      });
    case "read": {
      if (!conv) return state;
      let c = setMemberRead(conv, event.user_id, event.seq);
      if (event.user_id === me && event.seq >= c.last_seq) {
        c = { ...c, unread_count: 0, mentioned: false };
      }
      return c === conv ? state : withConv(state, c);
    }
    case "conversation.updated": {
      if (!conv) return state;
      const { members_can_pin, retention_days } = event;
      return withConv(state, {
        ...conv,
        title: event.title,
        ...(members_can_pin === undefined ? {} : { members_can_pin }),
        ...(retention_days === undefined ? {} : { retention_days }),
      });
    }
    case "conversation.created": {
      if (conv) return state;
      const { request: _flag, ...summary } = event.conversation;
      const request = createdRequestState(event.conversation, event.created_by, me);
      const now = Date.now();
      const draft: Conv = {
        ...summary,
        ...(request ? { request } : {}),
        last_seq: 0,
        last_activity_at: now,
        last_message: null,
        unread_count: 0,
        role: summary.members.find((m) => m.user.id === me)?.role ?? "member",
        members: [],
      };
      draft.members = summary.members.map((m) => newMember(state, draft, m.user, m.role));
      return withConv(state, draft);
    }
    case "member.joined": {
      if (!conv || conv.members.some((m) => m.user.id === event.user.id)) return state;
      return withConv(state, {
        ...conv,
        members: [...conv.members, newMember(state, conv, event.user, event.role)],
      });
    }
    case "member.left": {
      if (event.user_id === me) return removeConversation(state, event.conversation_id);
      if (!conv) return state;
      return withConv(state, {
        ...conv,
        members: conv.members.filter((m) => m.user.id !== event.user_id),
      });
    }
    case "member.role": {
      if (!conv) return state;
      const members = conv.members.map((m) =>
        m.user.id === event.user_id ? { ...m, role: event.role } : m,
      );
      return withConv(state, {
        ...conv,
        members,
        role: event.user_id === me ? event.role : conv.role,
      });
    }
    case "member.updated": {
      if (!conv) return state;
      const members = conv.members.map((m) =>
        m.user.id === event.user.id ? { ...m, user: event.user } : m,
      );
      return withConv(state, { ...conv, members });
    }
    case "request.accepted":
      return conv?.request !== undefined ? withConv(state, withoutRequest(conv)) : state;
    case "mention": {
      if (!conv || event.seq <= myReadSeq(conv, me)) return state;
      return withConv(state, { ...conv, mentioned: true });
    }
    case "notifications.updated": {
      if (!conv) return state;
      const { level, is_default, muted_until } = event;
      return withConv(state, { ...conv, notifications: { level, is_default, muted_until } });
    }
    default:
      return state;
  }
}

/** Merges a fresh REST view of a conversation with what events may have added since. */
export function mergeConv(old: Conv | undefined, fresh: ConversationView): Conv {
  if (!old) return fresh;
  const newer = old.last_seq > fresh.last_seq;
  const reads = new Map(old.members.map((m) => [m.user.id, m.read_seq]));
  return {
    ...fresh,
    last_seq: Math.max(old.last_seq, fresh.last_seq),
    last_message: newer ? old.last_message : fresh.last_message,
    unread_count: newer ? old.unread_count : fresh.unread_count,
    members: fresh.members.map((m) => {
      const seen = reads.get(m.user.id) ?? 0;
      return seen > m.read_seq ? { ...m, read_seq: seen } : m;
    }),
    ...(old.mentioned && fresh.unread_count > 0 ? { mentioned: true } : {}),
  };
}

export function mergeConversations(state: ChatState, list: ConversationView[]): ChatState {
  const convs = { ...state.convs };
  const online = { ...state.online };
  for (const fresh of list) {
    convs[fresh.id] = mergeConv(convs[fresh.id], fresh);
    for (const m of fresh.members) online[m.user.id] = m.online;
  }
  return { ...state, convs, online };
}

/** The block list after a block (or a repeated one) was confirmed. */
export function putBlock(state: ChatState, block: BlockView): ChatState {
  return { ...state, blocked: { ...state.blocked, [block.user.id]: block } };
}

export function dropBlock(state: ChatState, userId: string): ChatState {
  if (!(userId in state.blocked)) return state;
  const { [userId]: _gone, ...blocked } = state.blocked;
  return { ...state, blocked };
}
