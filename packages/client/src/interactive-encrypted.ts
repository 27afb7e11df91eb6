/**
 * Interactive mode's end-to-end encrypted conversations: the open one read and written on
 * this installation's device as `tail` and `send` do (encrypted-chat.ts), and the notices
 * of the others shown as their plaintext when this device already reads them.
 */
import {
  type ApiClient,
  type ConversationView,
  type MessageView,
  randomId,
} from "@private-chat/sdk";
import { loadOwnDevice } from "./device-file.js";
import { type EncryptedChat, encryptedChat, opened } from "./encrypted-chat.js";
import { type CliError, toCliError } from "./errors.js";
import type { Revealer } from "./feed.js";
import { BackupKeeper } from "./history-backup.js";
import type { Io } from "./io.js";

/** A name after `/open` may carry the flag, as on the command line: `/open @bob --encrypted`. */
export function openQuery(argument: string): { query: string; encrypted: boolean } {
  const flag = /(^|\s)--encrypted(?=\s|$)/;
  return {
    query: argument.replace(new RegExp(flag, "g"), " ").trim(),
    encrypted: flag.test(argument),
  };
}

export class EncryptedChats {
  private readonly chats = new Map<string, EncryptedChat>();
  private sending: Promise<unknown> = Promise.resolve();
  /** The key backup, brought up to date after what this device reads and sends. */
  private readonly backup: BackupKeeper;

  /** `io`: where the client says that it registered this installation as a device. */
  constructor(
    private readonly api: ApiClient,
    private readonly userId: string,
    private readonly io: Io,
  ) {
    this.backup = new BackupKeeper(api, userId, (line) => io.err(line));
  }

  /** Ends the session: the last changes uploaded to the key backup. */
  close(): Promise<void> {
    return this.backup.flush();
  }

  /** The conversation on this installation's device, which is registered the first time. */
  async chat(conversation: ConversationView): Promise<EncryptedChat> {
    const known = this.chats.get(conversation.id);
    if (known) return known;
    const chat = await encryptedChat(this.api, this.userId, conversation, this.io);
    this.chats.set(conversation.id, chat);
    return chat;
  }

  /**
   * Encrypts and sends a line; the message as this device shows it, with its words. Lines
   * leave one after the other, in the order typed.
   */
  send(conversation: ConversationView, text: string): Promise<MessageView> {
    const sent = this.sending.then(async () => {
      const chat = await this.chat(conversation);
      const message = opened(await chat.send(text, randomId()), text);
      this.backup.changed(conversation.id);
      return message;
    });
    this.sending = sent.catch(() => undefined);
    return sent;
  }

  /**
   * The open conversation's messages as this device reads them, while `open()`. A change
   * to the group that does not apply calls `refused` and shows nothing more.
   */
  revealer(chat: EncryptedChat, open: () => boolean, refused: (error: CliError) => void): Revealer {
    const reading = async <T>(work: () => Promise<T>, none: T): Promise<T> => {
      if (!open()) return none;
      try {
        const shown = await work();
        this.backup.changed(chat.conversation.id);
        return shown;
      } catch (err) {
        if (open()) refused(toCliError(err, true));
        return none;
      }
    };
    return {
      messages: (messages) => reading(() => chat.reveal(messages), []),
      event: (event) => reading(() => chat.revealEvent(event), undefined),
      thread: (rootId, count) => reading(() => chat.thread(rootId, count), []),
    };
  }

  /**
   * A message of an encrypted conversation that is not open, as its notice shows it: the
   * plaintext when this installation's device reads it, otherwise as it came (the notice
   * then says it is encrypted). Undefined for a change to the group's keys, which is no
   * news. A notice never registers a device, and never fails: opening the conversation
   * says what is wrong.
   */
  async notice(
    conversation: ConversationView,
    message: MessageView,
  ): Promise<MessageView | undefined> {
    if (message.mls && message.mls.kind !== "application") return undefined;
    try {
      if (!loadOwnDevice(this.userId)) return message;
      const [shown] = await (await this.chat(conversation)).reveal([message]);
      return shown;
    } catch {
      return message;
    }
  }
}
