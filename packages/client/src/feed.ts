/**
 * One conversation's timeline on the terminal: recent history, then live events, with no
 * gap and no repeats between the two. The socket is opened first and its events held
 * back while the history loads; afterwards the held events that the history already
 * covered are dropped (keyed by message id) and the rest printed in cursor order. In a
 * group, messages of people the user blocked are shown as one "hidden" line per run
 * (text mode only: --json prints every event as the server sent it).
 */
import {
  type ApiClient,
  type ConversationView,
  isHiddenMessage,
  isThreadOnly,
  type MessageView,
  type StoredEvent,
} from "@private-chat/sdk";
import { formatEvent, formatMessage } from "./format.js";
import type { NameBook } from "./names.js";
import { hiddenLine } from "./people.js";
import { safeJson } from "./sanitize.js";
import type { Style } from "./style.js";

const PAGE = 100;

/** The newest `count` messages, oldest first, paging back as far as needed. */
export async function fetchHistory(
  api: ApiClient,
  conversationId: string,
  count: number,
): Promise<MessageView[]> {
  const messages: MessageView[] = [];
  let before: number | undefined;
  while (messages.length < count) {
    const limit = Math.min(PAGE, count - messages.length);
    const page = await api.history(
      conversationId,
      before === undefined ? { limit } : { limit, before },
    );
    messages.unshift(...page);
    const oldest = page[0];
    if (!oldest || page.length < limit) break;
    before = oldest.seq;
  }
  return messages;
}

/** The newest `count` replies of a thread, oldest first, paging back as far as needed. */
export async function fetchThread(
  api: ApiClient,
  rootId: string,
  count: number,
): Promise<MessageView[]> {
  const replies: MessageView[] = [];
  let before: number | undefined;
  while (replies.length < count) {
    const limit = Math.min(PAGE, count - replies.length);
    const page = await api.thread(rootId, before === undefined ? { limit } : { limit, before });
    replies.unshift(...page.messages);
    const oldest = page.messages[0]?.thread_seq;
    if (oldest === undefined || page.messages.length < limit) break;
    before = oldest;
  }
  return replies;
}

export interface FeedOptions {
  /** Shows one thread (its root's id): its root, then its replies alone. */
  thread?: string;
  json: boolean;
  style: Style;
  write: (line: string) => void;
  /** Called for each message shown, e.g. to move the read position. */
  onShown?: (message: MessageView) => void;
  /** The people the user blocked: their group messages are hidden in text mode. */
  blocked?: ReadonlySet<string>;
  /** An end-to-end encrypted conversation's plaintexts (encrypted-chat.ts). */
  reveal?: Revealer;
}

/** How a device reads what the server holds as ciphertext. */
export interface Revealer {
  /** History as this device reads it, in order, leaving out what is not to show. */
  messages(messages: MessageView[]): Promise<MessageView[]>;
  /** A live event as this device reads it (an edit as an update); undefined: not to show. */
  event(event: StoredEvent): Promise<StoredEvent | undefined>;
  /** A thread (its root's id) as this device reads it: the root, then its newest replies. */
  thread(rootId: string, count: number): Promise<MessageView[]>;
}

/** Whether an event is a message of the thread (its root's id), as a thread's feed shows. */
const inThread = (event: StoredEvent, thread: string) =>
  "message" in event && event.message.thread_id === thread;

/** Messages looked at for what was missed when the server's event log no longer reached back. */
export const CATCH_UP_HISTORY = 200;

export class ConversationFeed {
  private held: StoredEvent[] | undefined = [];
  private queue: Promise<void> = Promise.resolve();
  private readonly shown = new Set<string>();
  private readonly shownEdits = new Map<string, number>();
  private readonly shownDeletes = new Set<string>();

  constructor(
    readonly conversation: ConversationView,
    private readonly api: ApiClient,
    private readonly names: NameBook,
    private readonly options: FeedOptions,
  ) {
    names.addConversation(conversation);
  }

  /** Feeds a socket event; events of other conversations are ignored. */
  accept(event: StoredEvent): void {
    if (event.conversation_id !== this.conversation.id) return;
    const thread = this.options.thread;
    // An encrypted reply names its thread inside the ciphertext: it is known once read.
    if (thread && !this.options.reveal && !inThread(event, thread)) return;
    if (this.held) this.held.push(event);
    else this.enqueue(() => this.render(event));
  }

  /**
   * After events were missed (the server's log no longer reached our cursor): holds live
   * events, prints those of the last `count` messages not shown yet, then what arrived
   * meanwhile.
   */
  async catchUp(count: number): Promise<void> {
    this.held ??= [];
    await this.queue;
    await this.start(count);
  }

  /**
   * Prints the last `count` messages (those not shown already), then everything that
   * arrived meanwhile.
   */
  async start(count: number): Promise<void> {
    const { thread, reveal } = this.options;
    const readable =
      count === 0
        ? []
        : thread && reveal
          ? await reveal.thread(thread, count)
          : await this.readableHistory(thread, count);
    let hiddenRun = 0;
    for (const message of readable) {
      if (this.shown.has(message.id)) continue;
      this.remember(message);
      if (this.hides(message)) {
        hiddenRun++;
        this.options.onShown?.(message);
        continue;
      }
      if (hiddenRun > 0) this.options.write(this.options.style.dim(hiddenLine(hiddenRun)));
      hiddenRun = 0;
      if (this.options.json) {
        // The same shape as a live event, minus the cursor REST history does not have.
        this.options.write(
          safeJson({ type: "message.new", conversation_id: message.conversation_id, message }),
        );
      } else {
        const sender = await this.names.name(message.sender_id);
        this.options.write(formatMessage(message, sender, this.options.style));
      }
      this.options.onShown?.(message);
    }
    if (hiddenRun > 0) this.options.write(this.options.style.dim(hiddenLine(hiddenRun)));
    const held = this.held ?? [];
    this.held = undefined;
    for (const event of held) this.enqueue(() => this.render(event));
    await this.queue;
  }

  private async readableHistory(thread: string | undefined, count: number) {
    const history = thread
      ? [await this.api.message(thread), ...(await fetchThread(this.api, thread, count))]
      : await fetchHistory(this.api, this.conversation.id, count);
    if (!this.options.reveal) return history;
    const revealed = await this.options.reveal.messages(history);
    // The server's history holds an encrypted thread's replies (it cannot see the thread);
    // the timeline leaves them out as it does plain ones, and their roots count them.
    return thread ? revealed : revealed.filter((m) => !isThreadOnly(m));
  }

  /** Shows a message we sent ourselves (the socket acks it instead of echoing it). */
  showOwn(message: MessageView): void {
    this.enqueue(async () => {
      if (this.shown.has(message.id)) return;
      this.remember(message);
      if (this.options.json) {
        const event = { type: "message.new", conversation_id: message.conversation_id, message };
        this.options.write(safeJson(event));
      } else {
        const sender = await this.names.name(message.sender_id);
        this.options.write(formatMessage(message, sender, this.options.style));
      }
    });
  }

  /** Resolves when everything accepted so far has been printed. */
  idle(): Promise<void> {
    return this.queue;
  }

  /** Whether a message is left out of text output (a blocked person's, in a group). */
  private hides(message: MessageView): boolean {
    const blocked = this.options.blocked;
    if (this.options.json || !blocked) return false;
    return isHiddenMessage(message, blocked, this.conversation.type);
  }

  private remember(message: MessageView): void {
    this.shown.add(message.id);
    if (message.edited_at !== undefined) this.shownEdits.set(message.id, message.edited_at);
    if (message.deleted) this.shownDeletes.add(message.id);
  }

  private alreadyShown(event: StoredEvent): boolean {
    switch (event.type) {
      case "message.new":
        return this.shown.has(event.message.id);
      case "message.updated":
        return this.shownEdits.get(event.message.id) === event.message.edited_at;
      case "message.deleted":
        return this.shownDeletes.has(event.message.id);
      default:
        return false;
    }
  }

  /** The event with its message as this device reads it; undefined when not to show. */
  private async readable(event: StoredEvent): Promise<StoredEvent | undefined> {
    const reveal = this.options.reveal;
    if (!reveal || !("message" in event)) return event;
    return reveal.event(event);
  }

  private enqueue(task: () => Promise<void>): void {
    // Name lookups are async; chaining keeps lines in the order the events came.
    this.queue = this.queue.then(task).catch(() => {});
  }

  private async render(received: StoredEvent): Promise<void> {
    if (this.alreadyShown(received)) return;
    const event = await this.readable(received);
    if (!event || (this.options.thread && !inThread(event, this.options.thread))) return;
    if ("message" in event) this.remember(event.message);
    if ("message" in event && this.hides(event.message)) {
      // One line says a new message was hidden; its edits and deletion say nothing.
      if (event.type === "message.new") {
        this.options.write(this.options.style.dim(hiddenLine(1)));
        this.options.onShown?.(event.message);
      }
      return;
    }
    if (this.options.json) {
      this.options.write(safeJson(event));
    } else {
      // In a thread's own feed its replies are messages, not notes about the thread.
      const line =
        this.options.thread && event.type === "message.new"
          ? formatMessage(
              event.message,
              await this.names.name(event.message.sender_id),
              this.options.style,
            )
          : await formatEvent(event, this.names, this.options.style);
      if (line !== undefined) this.options.write(line);
    }
    if (event.type === "message.new") this.options.onShown?.(event.message);
  }
}
