/**
 * A commit of this device's between being made and coming back in the conversation's
 * sequence (docs/E2EE.md, "The terminal client's store"). It is saved with the group's
 * state before it is sent, so a device stopped in between (a crash, a lost connection)
 * still knows it as its own when it reads it in the history, or sends it again under the
 * same client_id (the server answers a repeat with the first send's message) when the
 * server never took it. Without this, the device would meet its own commit as a stranger's,
 * which MLS cannot apply, and stop there for good.
 */
import { type ApiClient, ApiError } from "@private-chat/sdk";
import {
  type DeviceKeys,
  EncryptedGroup,
  fromBase64Url,
  GroupRefusal,
  sendChange,
  toBase64Url,
} from "@private-chat/sdk/mls";
import type { ConversationState, KeptMessage, PendingChange } from "./encrypted-store.js";

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
