/**
 * What this node knows of blocks and message requests, so that presence, typing and
 * events are filtered without a database read per frame. Loaded at start and every
 * minute, and kept current by the changes every node hears: request changes that are
 * events (a request made, accepted) arrive in cursor order with the events themselves;
 * a decline and a block arrive as `relations` messages on the pub/sub.
 */
import type { CommittedEvent } from "../events/bus.js";
import type { RequestFacts } from "../storage/requests.js";
import type { Store } from "../storage/store.js";

export type RelationChange =
  | { type: "request"; request: RequestFacts }
  | { type: "request_ended"; conversationId: string }
  | { type: "block"; blockerId: string; blockedId: string; blocked: boolean };

const pairKey = (blockerId: string, blockedId: string) => `${blockerId}>${blockedId}`;

export class Relations {
  private requests = new Map<string, RequestFacts>();
  private blocks = new Set<string>();
  /** Changes heard while a load runs: replayed over what it read, which may predate them. */
  private heard: RelationChange[] | undefined;

  private loading: Promise<void> | undefined;

  /** Replaces what this node knows with what the database holds (one load at a time). */
  load(store: Store): Promise<void> {
    this.loading ??= this.read(store).finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  private async read(store: Store): Promise<void> {
    const heard: RelationChange[] = [];
    this.heard = heard;
    try {
      const [requests, blocks] = await Promise.all([store.requests.all(), store.blocks.all()]);
      this.requests = new Map(requests.map((r) => [r.conversationId, r]));
      this.blocks = new Set(blocks.map((b) => pairKey(b.blockerId, b.blockedId)));
      for (const change of heard) this.change(change);
    } finally {
      this.heard = undefined;
    }
  }

  apply(change: RelationChange): void {
    this.heard?.push(change);
    this.change(change);
  }

  private change(change: RelationChange): void {
    switch (change.type) {
      case "request":
        this.requests.set(change.request.conversationId, change.request);
        return;
      case "request_ended":
        this.requests.delete(change.conversationId);
        return;
      case "block":
        if (change.blocked) this.blocks.add(pairKey(change.blockerId, change.blockedId));
        else this.blocks.delete(pairKey(change.blockerId, change.blockedId));
        return;
    }
  }

  /** Learns from an event before it is delivered: a request made, or one accepted. */
  observe(event: CommittedEvent): void {
    const e = event.event;
    if (e.type === "conversation.created" && e.conversation.request) {
      const recipient = e.conversation.members.find((m) => m.user.id !== e.created_by);
      if (recipient) {
        this.apply({
          type: "request",
          request: {
            conversationId: e.conversation_id,
            creatorId: e.created_by,
            recipientId: recipient.user.id,
            state: "pending",
          },
        });
      }
    } else if (e.type === "request.accepted") {
      this.apply({ type: "request_ended", conversationId: e.conversation_id });
    }
  }

  /** A conversation still a request: no presence, typing or receipts flow through it. */
  isRequest(conversationId: string): boolean {
    return this.requests.has(conversationId);
  }

  /** Whether `userId` declined this conversation: nothing of it reaches them. */
  declinedBy(conversationId: string, userId: string): boolean {
    const request = this.requests.get(conversationId);
    return request?.state === "declined" && request.recipientId === userId;
  }

  /** Whether either of the two blocked the other. */
  eitherBlocked(a: string, b: string): boolean {
    if (this.blocks.size === 0) return false;
    return this.blocks.has(pairKey(a, b)) || this.blocks.has(pairKey(b, a));
  }
}
