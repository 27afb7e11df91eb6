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

/**
 * A message's text on the channel. Events travel as a JSON header (all but the event
 * itself) followed by each event's JSON on a line of its own, as the log stores it
 * (JSON.stringify writes no line breaks): the facts, serialised once by their writer and
 * never again on the way; each node makes its frames from them.
 */
function encode(node: string, message: RealtimeMessage): string {
  if (message.kind !== "events") return JSON.stringify({ node, message });
  const heads = message.events.map(({ event: _, logged: __, ...head }) => head);
  const lines = message.events.map((e) => e.logged ?? JSON.stringify(e.event));
  return [JSON.stringify({ node, message: { kind: "events", events: heads } }), ...lines].join(
    "\n",
  );
}

/** Reads a message unless `self` sent it (each node ignores its own echo). */
function decode(text: string, self: string): RealtimeMessage | undefined {
  const cut = text.indexOf("\n");
  const envelope = JSON.parse(cut < 0 ? text : text.slice(0, cut)) as Envelope;
  if (envelope.node === self) return undefined;
  const { message } = envelope;
  if (message.kind === "events") {
    const lines = text.slice(cut + 1).split("\n");
    message.events.forEach((event, i) => {
      const logged = lines[i] ?? "{}";
      event.logged = logged;
      event.event = JSON.parse(logged);
    });
  }
  return message;
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
    this.publisher
      .publish(this.channel, encode(this.options.nodeId, message))
      .catch((err: unknown) => {
        this.options.onError(err, "redis publish");
      });
  }

  private received(text: string): void {
    let message: RealtimeMessage | undefined;
    try {
      message = decode(text, this.options.nodeId);
    } catch (err) {
      this.options.onError(err, "redis message");
      return;
    }
    if (message) for (const handler of this.handlers) handler(message);
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
