/**
 * What a device keeps of an encrypted conversation between its steps (docs/E2EE.md), and
 * a commit of its own between being made and coming back in the conversation's sequence.
 * The commit is saved with the group's state before it is sent, so a device stopped in
 * between (a crash, a lost connection, a closed tab) still knows it as its own when it
 * reads it in the history, or sends it again under the same client_id (the server answers
 * a repeat with the first send's message) when the server never took it. Without this,
 * the device would meet its own commit as a stranger's, which MLS cannot apply, and stop
 * there for good. Where the state is kept is the app's (ConversationStates).
 */
import type { OpenedContent } from "@private-chat/protocol/encrypted-content";
import { ApiError } from "../errors.js";
import type { ApiClient } from "../rest.js";
import { sendChange } from "./conversation.js";
import type { DeviceKeys } from "./device.js";
import { EncryptedGroup, GroupRefusal } from "./group.js";
import { fromBase64Url, toBase64Url } from "./register.js";

/** A message as the device read it, by seq. */
export type KeptMessage =
  /**
   * Opened, or sent by this device: its text and the sending device. `content` is what it
   * holds (encrypted-content.ts; absent in messages kept before there were kinds, which
   * are text) and `text` its words, or for an edit, a reaction or a kind this version
   * cannot show a line that says so, for an app that shows each message as it is.
   * `user_id`: the sender, as its MLS credential names them (absent in older ones).
   */
  | { text: string; device_id: string; user_id?: string; content?: OpenedContent }
  /** Did not open here: why. */
  | { refused: string }
  /** A commit of this device's own, applied when the server took it. */
  | { own_change: true };

export type KeptMessages = Record<string, KeptMessage>;

export interface ConversationState {
  /** EncryptedGroup.save(), base64url. */
  group: string;
  /** The last message of the sequence applied to the group. */
  seq: number;
  /** By seq: application messages, and this device's own commits. */
  messages: KeptMessages;
  /** When each member's devices last matched the group (membership.ts). */
  checked_at?: Record<string, number>;
  /** A commit of this device's sent (or about to be) and not yet seen back. */
  pending?: PendingChange;
}

/** EncryptedGroup.savePending() in base64url, with the client_id it is sent under. */
export interface PendingChange {
  commit: string;
  welcome?: string;
  state: string;
  client_id: string;
}

/** Writes a state at once, under the lock held; awaited before anything leaves the device. */
export type SaveState = (state: ConversationState) => void | Promise<void>;

/**
 * Where a device keeps its conversations' states (a file per conversation in the terminal
 * client, IndexedDB in a browser). `withState` runs `work` with the state as saved
 * (undefined before the device joined) holding the conversation's lock, which keeps every
 * other process or tab of the device out until it ends, and saves the state `work`
 * returns (none: nothing to keep yet). Two steps never start from the same state, so a
 * ratchet key is never used twice.
 */
export interface ConversationStates {
  withState<T>(
    conversationId: string,
    work: (
      saved: ConversationState | undefined,
      save: SaveState,
    ) => Promise<{ state: ConversationState | undefined; result: T }>,
  ): Promise<T>;
}

/** The group of a saved state, with the commit it waits on. */
export function loadGroup(keys: DeviceKeys, state: ConversationState): EncryptedGroup {
  const pending = state.pending && changeOf(state.pending);
  return EncryptedGroup.load(keys, fromBase64Url(state.group), pending);
}

function changeOf(pending: PendingChange) {
  return {
    commit: fromBase64Url(pending.commit),
    ...(pending.welcome ? { welcome: fromBase64Url(pending.welcome) } : {}),
    state: fromBase64Url(pending.state),
  };
}

/** `state` with the group as it is now, and the commit it waits on sent under `clientId`. */
export function withGroup(
  state: ConversationState,
  group: EncryptedGroup,
  clientId = state.pending?.client_id,
): ConversationState {
  const { pending: _before, ...rest } = state;
  const pending = group.savePending();
  const saved = { ...rest, group: toBase64Url(group.save()) };
  if (!pending) return saved;
  if (clientId === undefined)
    throw new Error("a pending commit needs the client_id it is sent under");
  return {
    ...saved,
    pending: {
      commit: toBase64Url(pending.commit),
      ...(pending.welcome ? { welcome: toBase64Url(pending.welcome) } : {}),
      state: toBase64Url(pending.state),
      client_id: clientId,
    },
  };
}

/** The state with the group as it is now, and `taken` marked as this device's own commits. */
export function withOwnChanges(
  state: ConversationState,
  group: EncryptedGroup,
  taken: number[],
): ConversationState {
  const messages: Record<string, KeptMessage> = { ...state.messages };
  for (const seq of taken) messages[seq] = { own_change: true };
  return withGroup({ ...state, messages }, group);
}

/** The server will not take this send, however often it comes: not worth keeping. */
export function refusedForGood(err: unknown): boolean {
  return (
    (err instanceof ApiError && err.status >= 400 && err.status < 500 && !err.retryable) ||
    (err instanceof GroupRefusal && err.code === "change_pending")
  );
}

/**
 * Sends again the commit a state waits on, once the whole sequence was read without it:
 * the server either takes it now or answers with the message it took before. A commit the
 * server refuses (another member's took the epoch, or it is refused for good) is dropped;
 * `conflict` then says to read the sequence again for the one that won.
 */
export async function sendPendingAgain(
  api: ApiClient,
  conversationId: string,
  state: ConversationState,
  group: EncryptedGroup,
): Promise<{ state: ConversationState; conflict: boolean }> {
  const pending = state.pending;
  if (!pending) return { state, conflict: false };
  try {
    const message = await sendChange(
      api,
      conversationId,
      group,
      changeOf(pending),
      pending.client_id,
    );
    return { state: withOwnChanges(state, group, [message.seq]), conflict: false };
  } catch (err) {
    if (!refusedForGood(err)) throw err;
    group.dropPending();
    return { state: withGroup(state, group), conflict: true };
  }
}
