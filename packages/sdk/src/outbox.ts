/**
 * The socket's outbox: sends not yet acknowledged, kept in order and sent again with the
 * same client_id after every reconnection, so a flaky network neither loses nor doubles
 * a message. A refusal the error catalogue calls retryable is tried again after a
 * backoff; any other settles the send's promise with the error.
 */
import type { MessageView } from "@private-chat/protocol/chat";
import { isRetryable } from "@private-chat/protocol/errors";
import type { AckFrame, ErrorFrame } from "@private-chat/protocol/frames";
import { backoffDelay } from "./backoff.js";
import { ApiError } from "./errors.js";
import { randomId } from "./ids.js";
import { oversized } from "./outbox-frame.js";
import type { OutboxEntry, SendOptions } from "./socket-types.js";

interface PendingSend {
  entry: OutboxEntry;
  /** Retryable refusals of this send so far, for its backoff. */
  refusals: number;
  resolve: (message: MessageView) => void;
  reject: (error: ApiError) => void;
}

// Between re-sends of a message the server refused with a retryable code.
const RETRY_BACKOFF = { baseMs: 1000, maxMs: 30_000 };

export class Outbox {
  private readonly sends = new Map<string, PendingSend>();

  /** `transmit` sends an entry's frame when the socket is open, and says whether it did. */
  constructor(private readonly transmit: (entry: OutboxEntry) => boolean) {}

  /** Sends not yet acknowledged, oldest first. */
  entries(): OutboxEntry[] {
    return [...this.sends.values()].map((p) => p.entry);
  }

  /** Queues a send and transmits it if the socket is open; settles on its ack or refusal. */
  add(conversationId: string, body: string, options: SendOptions): Promise<MessageView> {
    const entry: OutboxEntry = {
      clientId: options.clientId ?? randomId(),
      conversationId,
      body,
      replyTo: options.replyTo,
      attachmentIds: options.attachmentIds,
      threadId: options.threadId,
      alsoToConversation: options.alsoToConversation,
      createdAt: Date.now(),
    };
    const size = oversized(entry);
    if (size !== undefined)
      return Promise.reject(
        new ApiError(0, "payload_too_large", `the message is too large to send (${size} bytes)`),
      );
    return new Promise((resolve, reject) => {
      this.sends.set(entry.clientId, { entry, refusals: 0, resolve, reject });
      this.transmit(entry);
    });
  }

  /** Drops an unacknowledged send (its promise rejects). */
  cancel(clientId: string): void {
    const pending = this.sends.get(clientId);
    if (!pending) return;
    this.sends.delete(clientId);
    pending.reject(new ApiError(0, "network_error", "cancelled"));
  }

  /** Settles the send an ack answers; returns its client id, or undefined if not ours. */
  acked(ack: AckFrame): string | undefined {
    const pending = this.sends.get(String(ack.id));
    if (!pending) return undefined;
    this.sends.delete(String(ack.id));
    pending.resolve(ack.message);
    return pending.entry.clientId;
  }

  /** Handles an error frame that answers one of our sends; false when it answers none. */
  refused(error: ErrorFrame): boolean {
    const pending = error.id === undefined ? undefined : this.sends.get(String(error.id));
    if (!pending) return false;
    if (!isRetryable(error.code)) {
      this.sends.delete(pending.entry.clientId);
      pending.reject(new ApiError(0, error.code, error.message));
      return true;
    }
    // Throttled or a server hiccup: try the same send again after a backoff.
    const delay = backoffDelay(pending.refusals++, RETRY_BACKOFF);
    setTimeout(() => {
      if (this.sends.has(pending.entry.clientId)) this.transmit(pending.entry);
    }, delay);
    return true;
  }

  /** Sends every unacknowledged entry again, in order (after a (re)connection). */
  resendAll(): void {
    for (const pending of this.sends.values()) this.transmit(pending.entry);
  }
}
