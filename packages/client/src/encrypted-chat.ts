/**
 * An end-to-end encrypted conversation on this installation's device (docs/E2EE.md): the
 * SDK's EncryptedChat over this installation's files (encrypted-store.ts), with its
 * refusals said as the client says every failure and changes in people's devices told
 * where they are found (contacts.ts).
 */
import type { ApiClient, ConversationView, MessageView, StoredEvent } from "@private-chat/sdk";
import {
  contentOf,
  EncryptedChat as DeviceChat,
  type EncryptedContent,
  foldMessages,
  isChatFailure,
  type KeptMessages,
  type OpenedContent,
  opened,
  type RegisteredDevice,
  threadSeqs,
} from "@private-chat/sdk/mls";
import { deviceChangeLine, noteDevices } from "./contacts.js";
import { addOwnDevice, deviceName, loadOwnDevice } from "./device-file.js";
import { fileStates } from "./encrypted-store.js";
import { messageAt, messagesAt, viewsOf } from "./encrypted-view.js";
import { CliError } from "./errors.js";
import type { Io } from "./io.js";
import { safeInline } from "./sanitize.js";

export { opened };

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
    if (!(err instanceof CliError || isChatFailure(err))) throw err;
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
  const device = await ownDevice(api, userId, io);
  const say = (line: string) => io.err(io.errStyle.bold(line));
  return new EncryptedChat(
    api,
    new DeviceChat(api, device, conversation, fileStates(userId), {
      onDevices: async (memberId, devices) => {
        const noted = await noteDevices(userId, memberId, devices);
        // This installation's own device, made here, is no news to its owner.
        const own = device.keys.deviceId;
        const change = noted && { ...noted, added: noted.added.filter((d) => d.id !== own) };
        if (!change || (change.added.length === 0 && change.removed === 0)) return;
        const member = conversation.members.find((m) => m.user.id === memberId);
        const who = memberId === userId ? undefined : `@${member?.user.username ?? memberId}`;
        say(safeInline(deviceChangeLine(who, change)));
      },
    }),
  );
}

/** The SDK's chat with the client's wording for what did not open, and its messages folded. */
export class EncryptedChat {
  constructor(
    private readonly api: ApiClient,
    private readonly chat: DeviceChat,
  ) {}

  get conversation(): ConversationView {
    return this.chat.conversation;
  }

  setUp(): Promise<boolean> {
    return this.chat.setUp();
  }

  send(text: string, clientId: string): Promise<MessageView> {
    return this.chat.send(text, clientId);
  }

  sendContent(content: EncryptedContent, clientId: string): Promise<MessageView> {
    return this.chat.sendContent(content, clientId);
  }

  followMembership(): Promise<void> {
    return this.chat.followMembership();
  }

  /** What this device keeps of the conversation, by seq. */
  kept(): Promise<KeptMessages> {
    return this.chat.kept();
  }

  /**
   * A thread as this device reads it: its root, then its newest `count` replies, folded.
   * The server cannot tell which messages are a thread's, so the device's log says,
   * once the device has read the conversation through.
   */
  async thread(rootId: string, count: number): Promise<MessageView[]> {
    const root = await this.api.message(rootId);
    const [newest] = await this.api.history(this.conversation.id, { limit: 1 });
    if (newest) await this.chat.read([newest]);
    const seqs = threadSeqs(await this.chat.kept(), root.seq, count).filter((s) => s !== root.seq);
    const messages = [root, ...(await messagesAt(this.api, this.conversation.id, seqs))];
    return (await this.reveal(messages)).filter((m) => m.id === root.id || m.thread_id === root.id);
  }

  /** The id of the thread's root that a message is in or starts, as this device reads it. */
  async threadRootOf(named: MessageView): Promise<string> {
    const content = (await this.contentOf(named))?.content;
    const rootSeq = content?.kind === "text" ? content.thread_root : undefined;
    const root =
      rootSeq === undefined ? undefined : await messageAt(this.api, named.conversation_id, rootSeq);
    return root?.id ?? named.id;
  }

  /** What a message holds as this device reads it, and who sent it; undefined: unread. */
  async contentOf(
    message: MessageView,
  ): Promise<{ content: OpenedContent; sender: string } | undefined> {
    const [read] = await this.chat.read([message]);
    const content = contentOf(read?.kept);
    if (!read || !content) return undefined;
    const kept = read.kept;
    return { content, sender: (kept && "text" in kept && kept.user_id) || message.sender_id };
  }

  /**
   * The messages as this device reads them, in their order: an application message with
   * its plaintext as `body` (its latest edit applied, its reactions counted), or a note
   * when it did not open here; edits and reactions are folded into the messages they
   * change rather than shown, handshake messages left out, deleted ones kept as they are.
   */
  async reveal(messages: MessageView[]): Promise<MessageView[]> {
    const shown = foldMessages(await this.chat.read(messages));
    return viewsOf(this.api, this.conversation.id, shown);
  }

  /**
   * A live event as this device reads it, as a plain conversation's would come: an edit
   * as `message.updated` of the message it changes, a reaction as `reaction`; undefined
   * when there is nothing to show (an edit of another's message, a target deleted).
   */
  async revealEvent(event: StoredEvent): Promise<StoredEvent | undefined> {
    if (!("message" in event)) return event;
    const read = event.type === "message.new" ? await this.contentOf(event.message) : undefined;
    if (read?.content.kind === "edit" || read?.content.kind === "reaction") {
      const { content } = read;
      const target = await messageAt(this.api, this.conversation.id, content.target);
      const folded = target && (await this.reveal([target, event.message]));
      const shown = folded?.find((m) => m.id === target?.id);
      if (!target || !shown || shown.deleted) return undefined;
      const { message: _change, ...rest } = event;
      if (content.kind === "edit")
        return shown.edited_at === event.message.created_at
          ? { ...rest, type: "message.updated", message: shown }
          : undefined;
      return {
        ...rest,
        type: "reaction",
        message_id: target.id,
        user_id: read.sender,
        emoji: content.emoji,
        action: content.action,
      };
    }
    const [message] = await this.reveal([event.message]);
    return message && ({ ...event, message } as StoredEvent);
  }
}
