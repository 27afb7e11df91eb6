/**
 * Reading an encrypted conversation's sequence on a device (docs/E2EE.md, "Ordering and
 * forks"): the messages after the last one applied, strictly in order, each applied to
 * the group. The server orders them in one gapless sequence, so a seq missing or out of
 * order, or a change to the group's keys that does not fit the epoch the device is in,
 * means the server withheld, reordered or replayed one. The device then asks again from
 * the last message it applied (a page lost or mixed up once comes right the second time)
 * and, when the server holds to it, refuses: nothing after the doubt is applied, and the
 * step (a read or a send) stops with `refused`, so nothing is sent from a state in doubt.
 */
import type { MessageView } from "@private-chat/protocol/chat";
import { decodeContent } from "@private-chat/protocol/encrypted-content";
import { EncryptedChatError } from "../errors.js";
import type { ApiClient } from "../rest.js";
import { type ConversationState, type KeptMessages, loadGroup, withGroup } from "./chat-state.js";
import { keptOf } from "./content.js";
import type { DeviceKeys } from "./device.js";
import { type EncryptedGroup, GroupRefusal } from "./group.js";
import { fromBase64Url } from "./register.js";

const PAGE = 100;

/**
 * `state` with the sequence after `state.seq` applied, up to `last` (or its end); throws
 * `refused` where the server, asked twice, sends a sequence this device doubts.
 */
export async function readSequence(
  api: ApiClient,
  conversationId: string,
  keys: DeviceKeys,
  state: ConversationState,
  last: number | undefined,
): Promise<ConversationState> {
  if (last !== undefined && state.seq >= last) return state;
  const group = loadGroup(keys, state);
  const messages = { ...state.messages };
  let seq = state.seq;
  let askedAgainAfter: number | undefined;
  for (;;) {
    const read = await applyFrom(api, conversationId, group, messages, seq, last);
    seq = read.seq;
    if (read.doubt === undefined) break;
    if (askedAgainAfter === seq) throw refusal(read.doubt);
    askedAgainAfter = seq;
  }
  return withGroup({ ...state, seq, messages }, group);
}

/**
 * Applies the messages after `from` up to `last` (or the end), page by page: the last
 * seq applied, and why it stopped short if it doubts what the server sent.
 */
async function applyFrom(
  api: ApiClient,
  conversationId: string,
  group: EncryptedGroup,
  messages: KeptMessages,
  from: number,
  last: number | undefined,
): Promise<{ seq: number; doubt?: string }> {
  let seq = from;
  for (;;) {
    const page = await api.history(conversationId, { after: seq, limit: PAGE });
    for (const message of page) {
      // The sequence is gapless: each message follows the one before it.
      if (message.seq !== seq + 1) return { seq, doubt: gapAfter(seq, message.seq) };
      if (last !== undefined && message.seq > last) return { seq };
      const doubt = await apply(group, message, messages);
      if (doubt !== undefined) return { seq, doubt };
      seq = message.seq;
    }
    if (last !== undefined && seq >= last) return { seq };
    if (page.length < PAGE) {
      if (last === undefined) return { seq };
      // The messages to read reach `last`; the server's history stops before it.
      return {
        seq,
        doubt: `the server showed message ${last}, but its history stops at message ${seq}: it withheld what comes between`,
      };
    }
  }
}

/** Applies one message; why not, when this device will not go on from it. */
async function apply(
  group: EncryptedGroup,
  message: MessageView,
  messages: KeptMessages,
): Promise<string | undefined> {
  if (message.deleted) {
    // A change no longer there cannot be applied, and nothing after it can be read.
    if (message.mls && message.mls.kind !== "application" && !messages[message.seq])
      return `message ${message.seq}, a change to the group's keys, was erased before this device applied it`;
    delete messages[message.seq];
    return undefined;
  }
  // This device's own message or commit: kept when sent, and a sender cannot open its own.
  if (!message.mls || messages[message.seq]) return undefined;
  try {
    const received = await group.receive(fromBase64Url(message.body));
    // Its own commit, sent before this device stopped and read back only now.
    if (received.kind === "own_change") messages[message.seq] = { own_change: true };
    else if (received.kind === "message")
      messages[message.seq] = keptOf(decodeContent(received.plaintext), received.sender);
  } catch (err) {
    const doubt = doubtOf(message, err);
    if (doubt !== undefined) return doubt;
    messages[message.seq] = { refused: err instanceof Error ? err.message : String(err) };
  }
  return undefined;
}

/**
 * Why this device will not apply the sequence on from a message (docs/E2EE.md, "Ordering
 * and forks"): a message missing or out of order, or a change to the group's keys that
 * does not fit the epoch this device is in. Undefined when only that message is refused
 * (an application message that does not open here), and reading goes on.
 */
function doubtOf(message: MessageView, err: unknown): string | undefined {
  const why = err instanceof Error ? err.message : String(err);
  const code = err instanceof GroupRefusal ? err.code : undefined;
  // Whatever the server labels it: MLS read the epoch from the message itself.
  if (code === "epoch_ahead")
    return (
      `message ${message.seq} is from a later epoch of the group's keys than this device is in ` +
      `(${why}): the server withheld or reordered a change to the conversation`
    );
  if (code === "epoch_behind")
    return (
      `message ${message.seq} is a change to the group's keys that this device applied already ` +
      `or never had (${why}): the server replayed an old change, or showed this device another ` +
      "branch of the group"
    );
  if (message.mls?.kind === "application") return undefined;
  return (
    `message ${message.seq} changes the group's keys but does not apply on this device (${why}): ` +
    "the server altered it, or showed this device another branch of the group"
  );
}

/** A step that stops at a doubt that asking the server again did not clear. */
function refusal(doubt: string): EncryptedChatError {
  return new EncryptedChatError(
    "refused",
    `${doubt}. Asked again, the server answered the same, so this device stops here and ` +
      "sends nothing into the conversation until the server gives it every message in order",
  );
}

/** Where the seqs of a history page do not follow on from the last message applied. */
function gapAfter(seq: number, next: number): string {
  if (next <= seq)
    return `the server sent message ${next} after message ${seq}: the conversation's messages came out of order`;
  const missing = next === seq + 2 ? `message ${seq + 1}` : `messages ${seq + 1} to ${next - 1}`;
  return `the server's history goes from message ${seq} to message ${next}: it withheld ${missing}`;
}
