/**
 * An end-to-end encrypted conversation on this installation's device (docs/E2EE.md):
 * setting its group up, bringing it up to date from the server's sequence, sending, and
 * showing messages as their plaintext. Every step runs under the conversation's lock in
 * encrypted-store.ts, reading the state afresh.
 */
import {
  type ApiClient,
  ApiError,
  type ConversationView,
  type MessageView,
  type PublicDeviceView,
} from "@private-chat/sdk";
import {
  type EncryptedGroup,
  fromBase64Url,
  GroupRefusal,
  joinLatestWelcome,
  type RegisteredDevice,
  SETUP_CLIENT_ID as SETUP,
  setUpEncrypted as setUpGroup,
  toBase64Url,
} from "@private-chat/sdk/mls";
import { deviceChangeLine, noteDevices } from "./contacts.js";
import { addOwnDevice, deviceName, loadOwnDevice } from "./device-file.js";
import { commitDifference, EpochTaken, membershipDifference } from "./encrypted-members.js";
import { loadGroup, sendPendingAgain, withGroup, withOwnChanges } from "./encrypted-pending.js";
import {
  type ConversationState,
  type KeptMessage,
  withConversationState,
} from "./encrypted-store.js";
import { CliError } from "./errors.js";
import type { Io } from "./io.js";
import { safeInline } from "./sanitize.js";

const PAGE = 100;
/** Writes the state at once, under the lock held (withConversationState's `save`). */
type Save = (state: ConversationState) => void;
/** Tries at bringing the group in step when other members' commits keep winning. */
const MEMBERSHIP_ATTEMPTS = 3;

/**
 * This installation's device: the one saved here, or one registered now (said on stderr),
 * as the web app makes one for a browser the first time it is needed.
 */
export async function ownDevice(api: ApiClient, userId: string, io: Io): Promise<RegisteredDevice> {
  const saved = loadOwnDevice(userId);
  if (saved) return saved;
  const { device, path } = await addOwnDevice(api, userId, deviceName([]));
  io.err(
    io.errStyle.dim(
      `added this installation as your device ${device.keys.deviceId} for end-to-end encryption; its private keys are in ${path}`,
    ),
  );
  return device;
}

/**
 * Sets up the group of a new encrypted conversation (or joins it); false when nobody else
 * in it has a device yet.
 */
export async function setUpConversation(
  api: ApiClient,
  userId: string,
  conversation: ConversationView,
  io: Io,
): Promise<boolean> {
  return (await encryptedChat(api, userId, conversation, io)).setUp();
}

/**
 * After `members add` or `members remove`: commits the change to the group's devices. The
 * membership changed on the server already, so a failure here is said, not thrown: any
 * member's device makes the same commit before it next sends.
 */
export async function followMembership(
  api: ApiClient,
  userId: string,
  conversation: ConversationView,
  io: Io,
): Promise<void> {
  try {
    await (await encryptedChat(api, userId, conversation, io)).followMembership();
  } catch (err) {
    if (!(err instanceof CliError || err instanceof ApiError || err instanceof GroupRefusal))
      throw err;
    io.err(
      `the group's keys did not follow yet (${err.message}); a member's device makes that change before it next sends`,
    );
  }
}

/** Says why a conversation's group waits. */
export function notReady(name: string): string {
  return `nobody else in ${name} has a device for end-to-end encryption yet: the first message sent once they have one sets it up`;
}

/** An encrypted conversation on this installation's device. */
export async function encryptedChat(
  api: ApiClient,
  userId: string,
  conversation: ConversationView,
  io: Io,
): Promise<EncryptedChat> {
  return new EncryptedChat(api, await ownDevice(api, userId, io), conversation, (line) =>
    io.err(io.errStyle.bold(line)),
  );
}

function refusedChange(seq: number, err: unknown): CliError {
  return new CliError(
    "refused",
    `message ${seq} changes the conversation's keys but does not apply on this device ` +
      `(${err instanceof Error ? err.message : String(err)}): the server withheld or reordered ` +
      "a change, so this device stops here rather than go on from a state it doubts",
  );
}

export class EncryptedChat {
  /** `say`: where a change in someone's devices is told (contacts.ts). */
  constructor(
    private readonly api: ApiClient,
    private readonly device: RegisteredDevice,
    readonly conversation: ConversationView,
    private readonly say: (line: string) => void = () => {},
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
    return withConversationState(this.userId, this.conversation.id, async (saved, save) => {
      const state = saved ?? (await this.firstState(save));
      return { state, result: state !== undefined };
    });
  }

  /** Encrypts and sends `text`, and keeps it: this device cannot open its own message. */
  async send(text: string, clientId: string): Promise<MessageView> {
    return withConversationState(this.userId, this.conversation.id, async (saved, save) => {
      const state = await this.current(saved, save);
      const group = this.group(state);
      const body = toBase64Url(await group.encrypt(new TextEncoder().encode(text)));
      // The ratchet moved: saved before the message leaves, so its key is never used twice.
      save(withGroup(state, group));
      const message = await this.api.sendMessage(this.conversation.id, {
        body,
        mls: {},
        client_id: clientId,
      });
      const messages = {
        ...state.messages,
        [message.seq]: { text, device_id: this.device.keys.deviceId },
      };
      return { state: withGroup({ ...state, messages }, group), result: message };
    });
  }

  /** Brings the group in step with the conversation's membership (encrypted-members.ts). */
  async followMembership(): Promise<void> {
    await withConversationState(this.userId, this.conversation.id, async (saved, save) => ({
      state: await this.current(saved, save),
      result: undefined,
    }));
  }

  /**
   * The state up to date with the sequence (a commit of this device's that never came back
   * sent again) and, through commits, with the membership.
   */
  private async current(
    saved: ConversationState | undefined,
    save: Save,
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
      for (const [userId, devices] of listed) await this.noteDevices(userId, devices);
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

  /** Tells of a change in a member's devices since this installation last saw them. */
  private async noteDevices(userId: string, devices: PublicDeviceView[]): Promise<void> {
    const noted = await noteDevices(this.userId, userId, devices);
    // This installation's own device, made here, is no news to its owner.
    const own = this.device.keys.deviceId;
    const change = noted && { ...noted, added: noted.added.filter((d) => d.id !== own) };
    if (!change || (change.added.length === 0 && change.removed === 0)) return;
    const member = this.conversation.members.find((m) => m.user.id === userId);
    const who = userId === this.userId ? undefined : `@${member?.user.username ?? userId}`;
    this.say(safeInline(deviceChangeLine(who, change)));
  }

  /**
   * The messages as this device reads them, in their order: an application message with
   * its plaintext as `body`, or a note when it did not open here; handshake messages
   * (commits and proposals) are left out. Deleted messages are forgotten here too.
   */
  async reveal(messages: MessageView[]): Promise<MessageView[]> {
    if (messages.length === 0) return [];
    const last = Math.max(...messages.map((m) => m.seq));
    const kept = await withConversationState(
      this.userId,
      this.conversation.id,
      async (saved, save) => {
        const state = await this.upTo(await this.stateToUse(saved, save), last);
        const forgotten = messages.filter((m) => m.deleted && m.seq in state.messages);
        for (const m of forgotten) delete state.messages[m.seq];
        // Messages read before (history shown again, one this device sent) change nothing:
        // the file is not written again.
        const changed = state !== saved || forgotten.length > 0;
        return { state: changed ? state : undefined, result: state.messages };
      },
    );
    const shown: MessageView[] = [];
    for (const message of messages) {
      if (message.deleted) shown.push(message);
      else if (message.mls?.kind === "application")
        shown.push(withText(message, kept[message.seq]));
    }
    return shown;
  }

  private group(state: ConversationState): EncryptedGroup {
    return loadGroup(this.device.keys, state);
  }

  /**
   * The state of a device with no file yet: it sets the group up when nobody has, or
   * joins from its welcome. Undefined when nobody else has a device to add yet.
   */
  private async firstState(save: Save): Promise<ConversationState | undefined> {
    const fresh = await this.api.conversation(this.conversation.id);
    if ((fresh.mls_epoch ?? 0) > 0) return this.join();
    // Kept from before the set-up commit leaves: it comes back in the history as this
    // device's own, or is sent again ("setup" is its client_id).
    const empty: ConversationState = { group: "", seq: 0, messages: {} };
    const { group, setup } = await setUpGroup(this.api, this.device, fresh, (g) =>
      save(withGroup(empty, g, SETUP)),
    );
    if (!setup) return undefined;
    return withOwnChanges({ ...empty, seq: setup.seq }, group, [setup.seq]);
  }

  private async stateToUse(
    saved: ConversationState | undefined,
    save: Save,
  ): Promise<ConversationState> {
    // A set-up that stopped midway while another member's set-up won: join theirs.
    if (saved && (await this.lostSetUp(saved))) return this.join();
    const state = saved ?? (await this.firstState(save));
    if (!state)
      throw new CliError(
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
        throw new CliError(
          "not_added",
          "this device is not in the conversation's group yet: a member's device adds it " +
            "the next time it sends there",
        );
      throw err;
    }
  }

  /** Applies the sequence after `state.seq`, up to `last` (or its end), in order. */
  private async upTo(
    state: ConversationState,
    last: number | undefined,
  ): Promise<ConversationState> {
    if (last !== undefined && state.seq >= last) return state;
    const group = this.group(state);
    const messages = { ...state.messages };
    let seq = state.seq;
    for (;;) {
      const page = await this.api.history(this.conversation.id, { after: seq, limit: PAGE });
      for (const message of page) {
        if (last !== undefined && message.seq > last) break;
        await this.apply(group, message, messages);
        seq = message.seq;
      }
      if (page.length < PAGE || (last !== undefined && seq >= last)) break;
    }
    return withGroup({ ...state, seq, messages }, group);
  }

  private async apply(
    group: EncryptedGroup,
    message: MessageView,
    messages: Record<string, KeptMessage>,
  ): Promise<void> {
    if (message.deleted) {
      delete messages[message.seq];
      return;
    }
    // This device's own message or commit: kept when sent, and a sender cannot open its own.
    if (!message.mls || messages[message.seq]) return;
    try {
      const received = await group.receive(fromBase64Url(message.body));
      // Its own commit, sent before this device stopped and read back only now.
      if (received.kind === "own_change") messages[message.seq] = { own_change: true };
      else if (received.kind === "message")
        messages[message.seq] = {
          text: new TextDecoder().decode(received.plaintext),
          device_id: received.sender.deviceId,
        };
    } catch (err) {
      if (message.mls.kind !== "application") throw refusedChange(message.seq, err);
      messages[message.seq] = { refused: err instanceof Error ? err.message : String(err) };
    }
  }
}

/** The message as read: its plaintext where the MLS message was (no longer ciphertext). */
export function opened(message: MessageView, text: string): MessageView {
  const { mls: _ciphertext, ...rest } = message;
  return { ...rest, body: text };
}

function withText(message: MessageView, kept: KeptMessage | undefined): MessageView {
  if (kept && "text" in kept) return opened(message, kept.text);
  const why = kept && "refused" in kept ? kept.refused : "sent before this device joined";
  return opened(message, `[cannot be read on this device: ${why}]`);
}
