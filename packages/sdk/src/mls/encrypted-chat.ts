/**
 * An end-to-end encrypted conversation on one device (docs/E2EE.md): setting its group
 * up, bringing it up to date from the server's sequence, keeping the group in step with
 * the membership, sending, and reading messages as their plaintext. Every step runs under
 * the conversation's lock in the app's ConversationStates, reading the state afresh, so
 * the terminal client and the web app share one implementation of the protocol's rules.
 */
import type { ConversationView, MessageView } from "@private-chat/protocol/chat";
import { MAX_MESSAGE_BODY } from "@private-chat/protocol/chat";
import type { PublicDeviceView } from "@private-chat/protocol/devices";
import {
  contentProblem,
  type EncryptedContent,
  encodeContent,
} from "@private-chat/protocol/encrypted-content";
import { ApiError, EncryptedChatError } from "../errors.js";
import type { ApiClient } from "../rest.js";
import {
  type ConversationState,
  type ConversationStates,
  type KeptMessage,
  type KeptMessages,
  loadGroup,
  type SaveState,
  sendPendingAgain,
  withGroup,
  withOwnChanges,
} from "./chat-state.js";
import { keptOf } from "./content.js";
import { joinLatestWelcome, SETUP_CLIENT_ID as SETUP, setUpEncrypted } from "./conversation.js";
import { type EncryptedGroup, GroupRefusal } from "./group.js";
import { commitDifference, EpochTaken, membershipDifference } from "./membership.js";
import { type RegisteredDevice, toBase64Url } from "./register.js";
import { readSequence } from "./sequence.js";

/** Tries at bringing the group in step when other members' commits keep winning. */
const MEMBERSHIP_ATTEMPTS = 3;

/** What an app hears of a chat's work beyond its results. */
export interface EncryptedChatHooks {
  /** Each member's device list as it was asked for (an app tells of changes in it). */
  onDevices?(userId: string, devices: PublicDeviceView[]): void | Promise<void>;
}

/** A message as the device reads it: `kept` is its plaintext, or why it did not open. */
export interface ReadMessage {
  message: MessageView;
  /** Undefined for a deleted message, and for one sent before this device joined. */
  kept: KeptMessage | undefined;
}

export class EncryptedChat {
  private bodyLimit: Promise<number> | undefined;

  constructor(
    private readonly api: ApiClient,
    private readonly device: RegisteredDevice,
    readonly conversation: ConversationView,
    private readonly states: ConversationStates,
    private readonly hooks: EncryptedChatHooks = {},
  ) {}

  private get userId(): string {
    return this.device.keys.userId;
  }

  /**
   * Makes the group if nobody has yet and commits the other members' devices into it;
   * false when none of them has a device (then nothing is kept, and whoever sends first
   * once they have one sets it up).
   */
  async setUp(): Promise<boolean> {
    return this.states.withState(this.conversation.id, async (saved, save) => {
      const state = saved ?? (await this.firstState(save));
      return { state, result: state !== undefined };
    });
  }

  /** Encrypts and sends `text`, and keeps it: this device cannot open its own message. */
  send(text: string, clientId: string): Promise<MessageView> {
    return this.sendContent({ kind: "text", body: text }, clientId);
  }

  /**
   * Encrypts and sends any content (a text, maybe with files uploaded by
   * uploadSealedFile, an edit, a reaction), and keeps it. Content
   * the server would refuse as plain text (empty, longer than its `max_body_chars`) is
   * refused here before anything is encrypted: the server cannot see it to say so.
   */
  async sendContent(content: EncryptedContent, clientId: string): Promise<MessageView> {
    const problem = contentProblem(content, await this.maxBodyChars());
    if (problem) throw new EncryptedChatError(problem.code, problem.message);
    const plaintext = encodeContent(content);
    return this.states.withState(this.conversation.id, async (saved, save) => {
      const state = await this.current(saved, save);
      const group = this.group(state);
      const body = toBase64Url(await group.encrypt(plaintext));
      // The ratchet moved: saved before the message leaves, so its key is never used twice.
      await save(withGroup(state, group));
      // The uploads holding the files' ciphertext go with it, so deleting the message (or
      // retention) deletes their bytes as a plain message's.
      const files = content.kind === "text" ? (content.files ?? []) : [];
      const message = await this.api.sendMessage(this.conversation.id, {
        body,
        mls: {},
        client_id: clientId,
        ...(files.length > 0 ? { attachment_ids: files.map((f) => f.attachment_id) } : {}),
      });
      const messages = { ...state.messages, [message.seq]: keptOf(content, this.device.keys) };
      return { state: withGroup({ ...state, messages }, group), result: message };
    });
  }

  /**
   * What this device keeps of the conversation by seq, read without changing anything:
   * where an app finds the messages that point at another (content.ts, `threadSeqs`).
   */
  kept(): Promise<KeptMessages> {
    return this.states.withState(this.conversation.id, async (saved) => ({
      state: undefined,
      result: saved?.messages ?? {},
    }));
  }

  /** The server's limit on a message's text, asked once (its schema's bound if it cannot say). */
  private maxBodyChars(): Promise<number> {
    this.bodyLimit ??= this.api.serverInfo().then(
      (info) => info.max_body_chars,
      () => MAX_MESSAGE_BODY,
    );
    return this.bodyLimit;
  }

  /** Brings the group in step with the conversation's membership (membership.ts). */
  async followMembership(): Promise<void> {
    await this.states.withState(this.conversation.id, async (saved, save) => ({
      state: await this.current(saved, save),
      result: undefined,
    }));
  }

  /**
   * The messages as this device reads them, in their order: each application message with
   * what the device keeps of it, and each deleted one; handshake messages (commits and
   * proposals) are left out. Deleted messages are forgotten here too.
   */
  async read(messages: MessageView[]): Promise<ReadMessage[]> {
    if (messages.length === 0) return [];
    const last = Math.max(...messages.map((m) => m.seq));
    const kept = await this.states.withState(this.conversation.id, async (saved, save) => {
      const state = await this.upTo(await this.stateToUse(saved, save), last);
      const forgotten = messages.filter((m) => m.deleted && m.seq in state.messages);
      for (const m of forgotten) delete state.messages[m.seq];
      // Messages read before (history shown again, one this device sent) change nothing:
      // the state is not written again.
      const changed = state !== saved || forgotten.length > 0;
      return { state: changed ? state : undefined, result: state.messages };
    });
    const read: ReadMessage[] = [];
    for (const message of messages) {
      if (message.deleted) read.push({ message, kept: undefined });
      else if (message.mls?.kind === "application") read.push({ message, kept: kept[message.seq] });
    }
    return read;
  }

  /**
   * The state up to date with the sequence (a commit of this device's that never came back
   * sent again) and, through commits, with the membership.
   */
  private async current(
    saved: ConversationState | undefined,
    save: SaveState,
  ): Promise<ConversationState> {
    let state = await this.upTo(await this.stateToUse(saved, save), undefined);
    while (state.pending) {
      const again = await sendPendingAgain(
        this.api,
        this.conversation.id,
        state,
        this.group(state),
      );
      state = again.conflict ? await this.upTo(again.state, undefined) : again.state;
    }
    for (let attempt = 1; ; attempt++) {
      const group = this.group(state);
      const checked = { ...state.checked_at };
      const listed: [string, PublicDeviceView[]][] = [];
      const difference = await membershipDifference(
        this.api,
        this.conversation.id,
        group,
        checked,
        (userId, devices) => listed.push([userId, devices]),
      );
      for (const [userId, devices] of listed) await this.hooks.onDevices?.(userId, devices);
      state = { ...state, checked_at: checked };
      if (difference.leaving.length === 0 && difference.joining.length === 0) return state;
      const before = state;
      try {
        const taken = await commitDifference(
          this.api,
          this.conversation.id,
          group,
          difference,
          (g, _change, clientId) => save(withGroup(before, g, clientId)),
        );
        return withOwnChanges(state, group, taken);
      } catch (err) {
        if (!(err instanceof EpochTaken) || attempt >= MEMBERSHIP_ATTEMPTS) throw err;
        // Apply the winning commit, then look again: it may have made the same change.
        state = await this.upTo(withOwnChanges(state, group, err.taken), undefined);
      }
    }
  }

  private group(state: ConversationState): EncryptedGroup {
    return loadGroup(this.device.keys, state);
  }

  /**
   * The state of a device with nothing kept yet: it sets the group up when nobody has, or
   * joins from its welcome. Undefined when nobody else has a device to add yet.
   */
  private async firstState(save: SaveState): Promise<ConversationState | undefined> {
    const fresh = await this.api.conversation(this.conversation.id);
    if ((fresh.mls_epoch ?? 0) > 0) return this.join();
    // Kept from before the set-up commit leaves: it comes back in the history as this
    // device's own, or is sent again ("setup" is its client_id).
    const empty: ConversationState = { group: "", seq: 0, messages: {} };
    const { group, setup } = await setUpEncrypted(this.api, this.device, fresh, (g) =>
      save(withGroup(empty, g, SETUP)),
    );
    if (!setup) return undefined;
    return withOwnChanges({ ...empty, seq: setup.seq }, group, [setup.seq]);
  }

  private async stateToUse(
    saved: ConversationState | undefined,
    save: SaveState,
  ): Promise<ConversationState> {
    // A set-up that stopped midway while another member's set-up won: join theirs.
    if (saved && (await this.lostSetUp(saved))) return this.join();
    const state = saved ?? (await this.firstState(save));
    if (!state)
      throw new EncryptedChatError(
        "no_device",
        "nobody else in this conversation has a device for end-to-end encryption yet: " +
          "they run chat-client devices add (or open the web app) first",
      );
    return state;
  }

  /** This device's set-up commit waits, and the conversation begins with another's. */
  private async lostSetUp(state: ConversationState): Promise<boolean> {
    if (state.seq !== 0 || state.pending?.client_id !== SETUP) return false;
    const [first] = await this.api.history(this.conversation.id, { after: 0, limit: 1 });
    return first !== undefined && first.body !== state.pending.commit;
  }

  private async join(): Promise<ConversationState> {
    try {
      const { group, seq } = await joinLatestWelcome(this.api, this.conversation.id, this.device);
      return { group: toBase64Url(group.save()), seq, messages: {} };
    } catch (err) {
      if (err instanceof GroupRefusal && err.code === "no_welcome")
        throw new EncryptedChatError(
          "not_added",
          "this device is not in the conversation's group yet: a member's device adds it " +
            "the next time it sends there",
        );
      throw err;
    }
  }

  /** Applies the sequence after `state.seq`, up to `last` (or its end), in order (sequence.ts). */
  private upTo(state: ConversationState, last: number | undefined): Promise<ConversationState> {
    return readSequence(this.api, this.conversation.id, this.device.keys, state, last);
  }
}

/** The message as read: its plaintext where the MLS message was (no longer ciphertext). */
export function opened(message: MessageView, text: string): MessageView {
  const { mls: _ciphertext, ...rest } = message;
  return { ...rest, body: text };
}

/** Whether a failure is one a chat's step explains to a person (as opposed to a defect). */
export function isChatFailure(err: unknown): err is Error {
  return (
    err instanceof EncryptedChatError || err instanceof ApiError || err instanceof GroupRefusal
  );
}
