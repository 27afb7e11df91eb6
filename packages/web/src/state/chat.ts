/**
 * The app's chat state: conversations, loaded timelines, the outbox of unacknowledged
 * sends, typing notices and presence. One store; components select slices of it.
 */
import type {
  AttachmentView,
  BlockView,
  ConnectionState,
  ConversationView,
  DoNotDisturb,
  MessageView,
  PinnedMessageView,
  UserView,
} from "@private-chat/sdk";
import { createStore } from "./store.js";

export type Conv = ConversationView & { mentioned?: boolean };

export interface Timeline {
  /** Confirmed messages of the loaded range, ordered by seq, each once. */
  messages: MessageView[];
  hasOlder: boolean;
  loading: boolean;
  error: string | null;
  /** Shown from the local copy: the newest page is fetched again when next opened. */
  stale?: boolean;
}

/** A pending send the conversation's timeline shows (a thread-only reply shows in its thread). */
export function inTimeline(pending: PendingMessage): boolean {
  return !pending.thread_id || pending.also_to_conversation === true;
}

/** A send the server has not acknowledged yet (or refused). */
export interface PendingMessage {
  clientId: string;
  conversation_id: string;
  body: string;
  reply_to?: string | undefined;
  attachments?: AttachmentView[] | undefined;
  /** A reply in this root's thread. */
  thread_id?: string | undefined;
  /** A thread reply the conversation's timeline shows too. */
  also_to_conversation?: boolean | undefined;
  created_at: number;
  failed?: string | undefined;
}

/** A thread opened on this device: its root, the replies loaded and where the user stands. */
export interface ThreadState {
  conversationId: string;
  /** The root message; null until loaded. */
  root: MessageView | null;
  /** The loaded replies, oldest first (a thread's order is its conversation's order). */
  replies: MessageView[];
  hasOlder: boolean;
  loading: boolean;
  error: string | null;
  following: boolean;
  readThreadSeq: number;
}

export interface ChatState {
  me: UserView | null;
  conn: ConnectionState;
  /** A connection attempt failed or dropped and none succeeded since (kept across retries). */
  unreachable: boolean;
  /** The server's conversation list arrived (else the list shows the local copy, or nothing). */
  loaded: boolean;
  /** The conversations and timelines shown come from the local copy on this device. */
  restored: boolean;
  /** The list's first page is in and the rest is on its way. */
  listing: boolean;
  loadError: string | null;
  convs: Record<string, Conv>;
  timelines: Record<string, Timeline>;
  outbox: Record<string, PendingMessage[]>;
  /** conversation id -> user id -> when the typing notice expires. */
  typing: Record<string, Record<string, number>>;
  online: Record<string, boolean>;
  /** Last-seen times learnt from presence events, newer than the members' ones. */
  seen: Record<string, number>;
  /** Replied-to messages fetched because they are outside the loaded range. */
  quotes: Record<string, MessageView | null>;
  /** The people the user blocked, by user id; their group messages are hidden. */
  blocked: Record<string, BlockView>;
  /** The user's do-not-disturb hours (null: off); undefined until Settings loads them. */
  dnd: DoNotDisturb | null | undefined;
  /**
   * Each conversation's pinned messages, the most recently pinned first; absent until
   * loaded, and again when a pin arrives for a message not loaded here (read afresh).
   */
  pins: Record<string, PinnedMessageView[]>;
  /** Threads opened on this device, by their root's id. */
  threads: Record<string, ThreadState>;
  /** Bumped by every thread event, so the list of followed threads knows to refresh. */
  threadActivity: number;
}

export function emptyState(me: UserView | null = null): ChatState {
  return {
    me,
    conn: "idle",
    unreachable: false,
    loaded: false,
    restored: false,
    listing: false,
    loadError: null,
    convs: {},
    timelines: {},
    outbox: {},
    typing: {},
    online: {},
    seen: {},
    quotes: {},
    blocked: {},
    dnd: undefined,
    pins: {},
    threads: {},
    threadActivity: 0,
  };
}

export const chat = createStore<ChatState>(emptyState());

export function meId(): string | undefined {
  return chat.get().me?.id;
}

export function myReadSeq(conv: ConversationView, me: string | undefined): number {
  return conv.members.find((m) => m.user.id === me)?.read_seq ?? 0;
}

export function activityOf(conv: ConversationView): number {
  return Math.max(conv.last_activity_at, conv.last_message?.created_at ?? 0, conv.created_at);
}

/** The ids of the people the user blocked (stable while the block list is unchanged). */
const blockedSets = new WeakMap<Record<string, BlockView>, ReadonlySet<string>>();
export function blockedIds(blocked: Record<string, BlockView>): ReadonlySet<string> {
  let set = blockedSets.get(blocked);
  if (!set) {
    set = new Set(Object.keys(blocked));
    blockedSets.set(blocked, set);
  }
  return set;
}

/** Conversations, most recent activity first. */
export function sortedConversations(convs: Record<string, Conv>): Conv[] {
  return Object.values(convs).sort((a, b) => activityOf(b) - activityOf(a));
}
