/**
 * Pub/sub across nodes over Redis. A message is handled on this node at once (its own
 * sockets never wait for a round trip) and published once to the cluster channel; each
 * node ignores its own echo. Events cross as their facts only: each node makes its
 * frames itself (frames.ts), once per event. While Redis is away, publishes fail fast
 * instead of queueing without bound: other nodes recover the events from the log (see
 * sequencer.ts).
 */
import { Redis } from "ioredis";
import type { PubSub, RealtimeHandler, RealtimeMessage } from "./pubsub.js";

interface Envelope {
  node: string;
  message: RealtimeMessage;
}

export interface RedisPubSubOptions {
  url: string;
  keyPrefix: string;
  nodeId: string;
  onError: (err: unknown, context: string) => void;
}

/** What crosses nodes: an event's logged JSON is this node's copy, not a fact to send. */
function onTheWire(message: RealtimeMessage): RealtimeMessage {
  if (message.kind !== "events") return message;
  return { kind: "events", events: message.events.map(({ logged: _, ...facts }) => facts) };
}

export class RedisPubSub implements PubSub {
  private readonly handlers = new Set<RealtimeHandler>();
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readonly channel: string;

  constructor(private readonly options: RedisPubSubOptions) {
    this.channel = `${options.keyPrefix}realtime`;
    const common = { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: true };
    this.publisher = new Redis(options.url, common);
    // The subscriber must queue its SUBSCRIBE until connected, and re-subscribes itself.
    this.subscriber = new Redis(options.url, { lazyConnect: true, maxRetriesPerRequest: null });
    for (const [name, client] of [
      ["publisher", this.publisher],
      ["subscriber", this.subscriber],
    ] as const) {
      client.on("error", (err) => options.onError(err, `redis ${name}`));
    }
    this.subscriber.on("message", (_channel: string, text: string) => this.received(text));
  }

  async connect(): Promise<void> {
    await Promise.all([this.publisher.connect(), this.subscriber.connect()]);
    await this.subscriber.subscribe(this.channel);
  }

  /** The publishing connection, shared with the rate limiters. */
  get client(): Redis {
    return this.publisher;
  }

  publish(message: RealtimeMessage): void {
    for (const handler of this.handlers) handler(message);
    const envelope: Envelope = { node: this.options.nodeId, message: onTheWire(message) };
    this.publisher.publish(this.channel, JSON.stringify(envelope)).catch((err: unknown) => {
      this.options.onError(err, "redis publish");
    });
  }

  private received(text: string): void {
    let envelope: Envelope;
    try {
      envelope = JSON.parse(text) as Envelope;
    } catch (err) {
      this.options.onError(err, "redis message");
      return;
    }
    if (envelope.node === this.options.nodeId) return;
    for (const handler of this.handlers) handler(envelope.message);
  }

  subscribe(handler: RealtimeHandler): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  async close(): Promise<void> {
    this.handlers.clear();
    // disconnect(), not quit(): quit waits for a server that may be gone, and the client
    // would keep reconnecting and hold the process open.
    this.subscriber.disconnect();
    this.publisher.disconnect();
  }
}
