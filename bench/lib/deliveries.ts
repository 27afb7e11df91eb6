/**
 * Who got which message, and when. Every message has a client_id "b<index>"; the tracker
 * keeps its send time, its sender's socket, and per receiving socket one bit, so lost,
 * duplicated and echoed (sent back to the sender as message.new) deliveries are counted
 * exactly, in memory bounded by sockets x messages / 8 bytes.
 */
import type { FrameSink } from "./bench-socket.js";
import { LatencyRecorder } from "./stats.js";

const MAX_BITSET_BYTES = 512 * 1024 * 1024;

export class DeliveryTracker implements FrameSink {
  readonly sentAt: Float64Array;
  readonly senderSocket: Int32Array;
  readonly latency = new LatencyRecorder();
  readonly ackLatency = new LatencyRecorder();
  private readonly seen: Uint8Array[];
  sent = 0;
  acked = 0;
  failed = 0;
  delivered = 0;
  duplicates = 0;
  echoes = 0;
  unknown = 0;
  closedSockets = 0;
  readonly errors: Record<string, number> = {};
  readonly otherFrames: Record<string, number> = {};
  firstSendAt = 0;
  lastSendAt = 0;
  lastAckAt = 0;
  lastDeliveryAt = 0;
  lastFrameAt = performance.now();
  /** The worst send -> delivery latency of the messages sent in each second of the run. */
  readonly worstBySecond: number[] = [];
  /** Called with the sender's socket when a send is answered (ack or error). */
  onAnswer: (socket: number) => void = () => {};

  /**
   * @param prefix starts every client_id: a warm-up tracker uses another prefix, so the
   *   server's per-sender client_id deduplication never mistakes measured sends for it.
   */
  constructor(
    readonly capacity: number,
    sockets: number,
    readonly prefix = "b",
  ) {
    const bytes = Math.ceil(capacity / 8);
    if (bytes * sockets > MAX_BITSET_BYTES) {
      throw new Error(`too many messages x sockets to track (${capacity} x ${sockets})`);
    }
    this.sentAt = new Float64Array(capacity);
    this.senderSocket = new Int32Array(capacity).fill(-1);
    this.seen = Array.from({ length: sockets }, () => new Uint8Array(bytes));
  }

  /** Records a send about to happen; returns its client_id. */
  markSent(index: number, socket: number): string {
    const now = performance.now();
    if (this.sent === 0) this.firstSendAt = now;
    this.sent += 1;
    this.lastSendAt = now;
    this.sentAt[index] = now;
    this.senderSocket[index] = socket;
    return `${this.prefix}${index}`;
  }

  private indexOf(clientId: string): number {
    const index = clientId.startsWith(this.prefix)
      ? Number(clientId.slice(this.prefix.length))
      : Number.NaN;
    return Number.isInteger(index) &&
      index >= 0 &&
      index < this.capacity &&
      this.senderSocket[index] !== -1
      ? index
      : -1;
  }

  delivery(socket: number, clientId: string, at: number): void {
    this.lastFrameAt = at;
    const index = this.indexOf(clientId);
    if (index < 0) {
      this.unknown += 1;
      return;
    }
    if (this.senderSocket[index] === socket) {
      this.echoes += 1;
      return;
    }
    const bits = this.seen[socket];
    if (!bits) return;
    const mask = 1 << (index & 7);
    const byte = index >> 3;
    if ((bits[byte] ?? 0) & mask) {
      this.duplicates += 1;
      return;
    }
    bits[byte] = (bits[byte] ?? 0) | mask;
    this.delivered += 1;
    this.lastDeliveryAt = at;
    const sentAt = this.sentAt[index] ?? at;
    this.latency.recordMs(at - sentAt);
    const second = Math.floor((sentAt - this.firstSendAt) / 1000);
    if (second < 3600) {
      for (let s = this.worstBySecond.length; s <= second; s++) this.worstBySecond.push(0);
      this.worstBySecond[second] = Math.max(
        this.worstBySecond[second] ?? 0,
        Math.round(at - sentAt),
      );
    }
  }

  ack(socket: number, clientId: string, at: number): void {
    this.lastFrameAt = at;
    const index = this.indexOf(clientId);
    if (index < 0) {
      this.unknown += 1;
      return;
    }
    this.acked += 1;
    this.lastAckAt = at;
    this.ackLatency.recordMs(at - (this.sentAt[index] ?? at));
    this.onAnswer(socket);
  }

  other(socket: number, frame: { type?: unknown; code?: unknown; id?: unknown }): void {
    this.lastFrameAt = performance.now();
    const type = String(frame.type);
    this.otherFrames[type] = (this.otherFrames[type] ?? 0) + 1;
    if (type === "closed") this.closedSockets += 1;
    if (type !== "error") return;
    const code = String(frame.code);
    this.errors[code] = (this.errors[code] ?? 0) + 1;
    // An error that answers a send frees its sender's slot, like an ack.
    if (typeof frame.id === "number") {
      this.failed += 1;
      this.onAnswer(socket);
    }
  }
}
