/**
 * The signed-in session: starts the socket, loads the conversation list, and applies the
 * socket's events to the chat state. Events that arrive before the list is loaded are
 * held and applied after it, in order. Who is typing is typing.ts's; telling the person
 * of what arrives, tell.ts's; a warning that this browser's key packages run low,
 * e2ee/low-key-packages.ts's; history another device shared with this browser's, taken
 * at the first connection, e2ee/history-inbox.ts's.
 */

import { ApiError, type AuthResponse, type StoredEvent, type UserView } from "@private-chat/sdk";
import {
  api,
  clearSession,
  closeSocket,
  createSocket,
  errorText,
  getSocket,
  isAuthError,
  loadSession,
  saveSession,
  storedCursor,
} from "../api.js";
import { forgetBackupKey } from "../e2ee/browser-db.js";
import { receiveHistory } from "../e2ee/history-inbox.js";
import { answerLowKeyPackages } from "../e2ee/low-key-packages.js";
import { type ChatState, chat, emptyState } from "./chat.js";
import { confirmList, restoreCopy } from "./local-copy.js";
import {
  deleteCopy,
  deleteOtherCopies,
  keepLocalCopy,
  readCopy,
  seedRecent,
} from "./local-store.js";
import { isViewing, markRead, resetReadMarks } from "./read.js";
import { applyEvent, mergeConversations, removeConversation } from "./reduce.js";
import { loadBlocks } from "./requests.js";
import { restoreOutbox } from "./send.js";
import { createStore } from "./store.js";
import { forgetFollows, tellEvent } from "./tell.js";
import { forgetTwoFactor, isOverdue, loadTwoFactor, twoFactor } from "./two-factor.js";
import { onTyping, stopTyping } from "./typing.js";

export const session = createStore<{ user: UserView | null; notice: string | null }>({
  user: null,
  notice: null,
});

let held: StoredEvent[] | null = null;
let cleanups: (() => void)[] = [];
let snapshotLoading = false;
let snapshotAgain = false;
let retryTimer: ReturnType<typeof setTimeout> | undefined;
let readyCount = 0;
const fetching = new Set<string>();

function listen(target: EventTarget, name: string, fn: () => void): () => void {
  target.addEventListener(name, fn);
  return () => target.removeEventListener(name, fn);
}

/** At startup: picks up a stored session, if any. */
export function resume(): void {
  const stored = loadSession();
  if (stored) start(stored.user);
}

export function signedIn(auth: AuthResponse): void {
  saveSession({ token: auth.token, user: auth.user });
  // Someone else's copy (a person who closed the tab without signing out) is not kept.
  void deleteOtherCopies(auth.user.id);
  start(auth.user);
}

/** Shows the local copy while the server's list is on its way (or unreachable). */
async function restoreLocal(userId: string): Promise<void> {
  const copy = await readCopy(userId);
  if (!copy || session.get().user?.id !== userId) return;
  seedRecent(copy.timelines.map((t) => t.id));
  chat.update((s) => restoreCopy(s, copy));
}

/**
 * The account's grace period for a second factor is over: the session answers only the
 * set-up calls, so the app shows only those until one is set up (finishEnrolment()).
 */
async function enrolmentDue(): Promise<void> {
  stop();
  const status = await loadTwoFactor();
  if (!status || !isOverdue(status)) end("Your session has ended. Please sign in again.");
}

/** Leaves the set-up screen once a second factor is set up, and starts the session. */
export function finishEnrolment(): void {
  twoFactor.update((s) => ({ ...s, enrolling: false }));
  const user = session.get().user;
  if (user) start(user);
}

function start(user: UserView): void {
  stop();
  session.set({ user, notice: null });
  chat.set(emptyState(user));
  held = [];
  const hadCursor = storedCursor(user.id) !== undefined;
  const socket = createSocket(user.id);
  void restoreLocal(user.id);
  cleanups = [
    keepLocalCopy(user.id),
    socket.on("state", ({ state, reason }) => {
      // Each retry goes through "connecting": the server counts as unreachable until one
      // gets through, so the banner does not flicker between attempts.
      chat.update((s) => ({
        ...s,
        conn: state,
        unreachable:
          state === "reconnecting"
            ? true
            : state === "open" || state === "syncing"
              ? false
              : s.unreachable,
      }));
      if (state === "open") resetReadMarks();
      if (state === "unauthorized") {
        // Past the grace period for a second factor: the session still sets one up.
        if (reason.startsWith("second_factor_enrolment_required")) void enrolmentDue();
        else end("Your session has ended. Please sign in again.");
      }
    }),
    socket.on("expired", () => {
      // Away longer than the server keeps events: what was built from them may miss
      // changes. Start again from the server's state; the open views load afresh, and
      // live events wait until the list is in (the `ready` that follows loads it).
      held = [];
      chat.update((s) => ({ ...s, loaded: false, timelines: {}, threads: {}, pins: {} }));
    }),
    socket.on("ready", ({ user: fresh }) => {
      readyCount++;
      // Whether a second factor is due (a reminder during the grace period).
      if (readyCount === 1) void loadTwoFactor();
      // History another of the person's devices shared with this browser's, if it is one.
      if (readyCount === 1) void receiveHistory(user.id, "start");
      chat.update((s) => ({ ...s, me: fresh }));
      session.update((s) => ({ ...s, user: fresh }));
      if (api.token) saveSession({ token: api.token, user: fresh });
      // The first connection without a stored cursor starts from "now": load the list
      // after it so nothing falls in between. Later ones refresh presence.
      if (!chat.get().loaded || readyCount > 1) void loadSnapshot();
    }),
    socket.on("event", (event) => {
      // This browser's own key packages need no conversation list: answered at once.
      if (event.type === "device.key_packages_low") answerLowKeyPackages(user.id, event.device_id);
      else if (held) held.push(event);
      else handle(event);
    }),
    socket.on("typing", ({ conversation_id, user_id }) => onTyping(conversation_id, user_id)),
    socket.on("presence", ({ user_id, status, last_seen_at }) =>
      chat.update((s) => ({
        ...s,
        online: { ...s.online, [user_id]: status === "online" },
        seen: last_seen_at ? { ...s.seen, [user_id]: last_seen_at } : s.seen,
      })),
    ),
    listen(window, "offline", () => socket.disconnectNow("offline")),
    listen(window, "online", () => socket.reconnectNow()),
  ];
  socket.connect();
  if (hadCursor) void loadSnapshot();
  // Without a socket (a proxy refusing WebSockets, say) still show the list.
  else retryTimer = setTimeout(() => void loadSnapshot(), 3000);
  restoreOutbox(user.id);
}

function stop(): void {
  for (const cleanup of cleanups) cleanup();
  cleanups = [];
  closeSocket();
  clearTimeout(retryTimer);
  stopTyping();
  held = null;
  readyCount = 0;
  fetching.clear();
  forgetFollows();
}

/** Ends the session locally (after sign-out, or when the server ended it). */
export function end(notice: string | null): void {
  const userId = session.get().user?.id;
  stop();
  clearSession(userId);
  // What this device kept of the user goes with the session, the key backup's key too.
  if (userId) void deleteCopy(userId);
  if (userId) void forgetBackupKey(userId).catch(() => {});
  chat.set(emptyState());
  forgetTwoFactor();
  session.set({ user: null, notice });
  if (location.hash) history.replaceState(null, "", location.pathname + location.search);
}

export async function signOut(): Promise<void> {
  try {
    await api.logout();
  } catch {
    // Signed out locally all the same.
  }
  end(null);
}

async function loadSnapshot(): Promise<void> {
  if (snapshotLoading) {
    // One asked for meanwhile (the state started afresh) follows this one.
    snapshotAgain = true;
    return;
  }
  snapshotLoading = true;
  clearTimeout(retryTimer);
  const socket = getSocket();
  try {
    // The block list comes first, so no hidden message shows for a moment.
    await loadBlocks();
    // The list shows once its first page is in; the other pages are merged as they come.
    const ids = new Set<string>();
    let pages = 0;
    for await (const page of api.conversationPages()) {
      if (socket !== getSocket()) return;
      const first = pages++ === 0;
      for (const conv of page) ids.add(conv.id);
      const merged = (s: ChatState) => mergeConversations(s, page);
      chat.update((s) => (first ? { ...merged(s), loaded: true, listing: true } : merged(s)));
    }
    if (socket !== getSocket()) return;
    // Events wait for the whole list: one about a conversation of a later page would
    // otherwise find it unknown and fetch it again.
    const queued = held ?? [];
    for (const event of queued) if (event.conversation_id !== null) ids.add(event.conversation_id);
    chat.update((s) => ({
      ...confirmList(s, ids),
      loaded: true,
      listing: false,
      restored: false,
      loadError: null,
    }));
    held = null;
    for (const event of queued) handle(event);
  } catch (err) {
    if (socket !== getSocket()) return;
    if (isAuthError(err)) return end("Your session has ended. Please sign in again.");
    chat.update((s) => ({ ...s, loadError: errorText(err) }));
    // Retry what may succeed unchanged (the catalogue says), after the server's Retry-After.
    const failure = err instanceof ApiError ? err : undefined;
    if (!failure || failure.retryable)
      retryTimer = setTimeout(() => void loadSnapshot(), failure?.retryAfterMs ?? 4000);
  } finally {
    snapshotLoading = false;
    if (snapshotAgain) {
      snapshotAgain = false;
      void loadSnapshot();
    }
  }
}

async function fetchConversation(id: string): Promise<void> {
  if (fetching.has(id)) return;
  fetching.add(id);
  try {
    const conv = await api.conversation(id);
    if (fetching.has(id)) chat.update((s) => mergeConversations(s, [conv]));
  } catch (err) {
    if (isAuthError(err)) return end("Your session has ended. Please sign in again.");
    if (err instanceof ApiError && err.status === 404)
      chat.update((s) => removeConversation(s, id));
  } finally {
    fetching.delete(id);
  }
}

function handle(event: StoredEvent): void {
  // Events about the user alone (do-not-disturb hours) belong to no conversation.
  if (event.conversation_id === null) {
    chat.update((s) => applyEvent(s, event));
    return;
  }
  const known = event.conversation_id in chat.get().convs;
  chat.update((s) => applyEvent(s, event));
  const state = chat.get();
  const cid = event.conversation_id;
  // A message in the conversation on screen is read at once (no unread badge flashes).
  if (event.type === "message.new" && isViewing(cid)) markRead(cid);
  if (event.type !== "member.left" && (!known || !(cid in state.convs)))
    void fetchConversation(cid);
  // Read positions and presence were kept from each other until the request was
  // accepted: the fresh view brings them.
  else if (event.type === "request.accepted") void fetchConversation(cid);
  tellEvent(event);
}
