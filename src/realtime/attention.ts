/**
 * Which users have an active socket anywhere in the cluster: one that has not said
 * `{"type":"focus","active":false}` (the web app says so when its page is hidden). A
 * user with none is sent Web Push for new messages. Like presence, each node announces
 * its own changes and, every few seconds, its whole list; a node not heard from for a
 * while is forgotten.
 */
import type { PubSub, RealtimeMessage } from "./pubsub.js";

const BEAT_MS = 5_000;
const NODE_TIMEOUT_MS = 15_000;

export type AttentionMessage = Extract<RealtimeMessage, { kind: "attention" }>;

export class Attention {
  /** userId -> active sockets on this node. */
  private readonly local = new Map<string, number>();
  /** node -> its users with an active socket, for nodes other than this one. */
  private readonly remote = new Map<string, Set<string>>();
  private readonly heardFrom = new Map<string, number>();
  /** userId -> when they were last seen to stop being active, for `wasActiveAt`. */
  private readonly wentAway = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly nodeId: string,
    private readonly pubsub: PubSub,
  ) {}

  isActive(userId: string): boolean {
    if (this.local.has(userId)) return true;
    for (const users of this.remote.values()) if (users.has(userId)) return true;
    return false;
  }

  /**
   * Whether the user was active at `at` (a moment just past): active now, or seen to stop
   * being active since. A decision made after some awaits then answers for the moment
   * its cause happened.
   */
  wasActiveAt(userId: string, at: number): boolean {
    return this.isActive(userId) || (this.wentAway.get(userId) ?? 0) >= at;
  }

  private noteIfAway(userId: string): void {
    if (!this.isActive(userId)) this.wentAway.set(userId, Date.now());
  }

  start(): void {
    this.timer = setInterval(() => this.beat(), BEAT_MS);
    this.timer.unref();
    this.beat();
  }

  stop(): void {
    clearInterval(this.timer);
    this.pubsub.publish({ kind: "attention", node: this.nodeId, users: [] });
  }

  /** One more active socket of `userId` on this node. */
  activated(userId: string): void {
    const count = (this.local.get(userId) ?? 0) + 1;
    this.local.set(userId, count);
    if (count === 1)
      this.pubsub.publish({ kind: "attention", node: this.nodeId, userId, active: true });
  }

  /** One active socket of `userId` on this node closed or went inactive. */
  deactivated(userId: string): void {
    const count = (this.local.get(userId) ?? 1) - 1;
    if (count > 0) {
      this.local.set(userId, count);
      return;
    }
    this.local.delete(userId);
    this.noteIfAway(userId);
    this.pubsub.publish({ kind: "attention", node: this.nodeId, userId, active: false });
  }

  receive(message: AttentionMessage): void {
    if (message.node === this.nodeId) return;
    this.heardFrom.set(message.node, Date.now());
    if (message.users) {
      const before = this.remote.get(message.node);
      this.remote.set(message.node, new Set(message.users));
      for (const userId of before ?? [])
        if (!message.users.includes(userId)) this.noteIfAway(userId);
      return;
    }
    if (!message.userId) return;
    const users = this.remote.get(message.node) ?? new Set<string>();
    if (message.active) users.add(message.userId);
    else users.delete(message.userId);
    this.remote.set(message.node, users);
    if (!message.active) this.noteIfAway(message.userId);
  }

  private beat(): void {
    this.pubsub.publish({ kind: "attention", node: this.nodeId, users: [...this.local.keys()] });
    const now = Date.now();
    for (const [userId, at] of [...this.wentAway])
      if (now - at > 60_000) this.wentAway.delete(userId);
    for (const [node, at] of [...this.heardFrom]) {
      if (now - at > NODE_TIMEOUT_MS) {
        this.heardFrom.delete(node);
        this.remote.delete(node);
      }
    }
  }
}
