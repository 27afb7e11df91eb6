/**
 * Builds Web Push for one process from the parsed config: the guarded client it sends
 * through, the queue worker, and the service the routes and events use.
 */
import { networkInterfaces } from "node:os";
import type { Logger } from "pino";
import type { Config } from "../config/schema.js";
import type { Metrics } from "../ops/metrics.js";
import { GuardedFetch, type GuardOptions } from "../outbound/guarded-fetch.js";
import type { Store } from "../storage/store.js";
import { QueueWorker } from "./queue-worker.js";
import { LocalSender, metricsCounters, type PushSender, ThreadSender } from "./sender.js";
import { PushService } from "./service.js";
import type { VapidKeys } from "./vapid-keys.js";

/** Used when `[push] subject` is empty; push services accept it, Apple's may not. */
const SENDER_POOL_SIZE = 4;

export const PLACEHOLDER_SUBJECT = "mailto:postmaster@example.invalid";

export interface PushSetup {
  service: PushService;
  sender: PushSender | undefined;
  guard: GuardedFetch;
  /** Tells the guard which address and port this server listens on, once it does. */
  listening(host: string, port: number): void;
}

export interface PushSetupDeps {
  config: Config;
  store: Store;
  /** The PostgreSQL schema the store uses, when not the configured one (tests). */
  postgresSchema?: string;
  keys: VapidKeys | undefined;
  metrics: Metrics;
  nodeId: string;
  logger: Logger;
  wasActiveAt(userId: string, at: number): boolean;
  onError: (err: unknown, context: string) => void;
}

/** The addresses a server listening on `host` answers on. */
export function listenAddresses(host: string): string[] {
  if (host !== "0.0.0.0" && host !== "::") return [host];
  const all = Object.values(networkInterfaces()).flatMap((list) =>
    (list ?? []).map((i) => i.address),
  );
  return [host, "0.0.0.0", "::", ...all];
}

export function setUpPush(deps: PushSetupDeps): PushSetup {
  const { config, logger } = deps;
  const push = config.push;
  if (push.allow_private_endpoints) {
    logger.warn(
      "[push] allow_private_endpoints = true: push endpoints may be on loopback and private addresses; use it only for tests and closed networks",
    );
  }
  const timeoutMs = push.timeout_seconds * 1000;
  const guardOptions: GuardOptions = {
    allowPrivate: push.allow_private_endpoints,
    self: { addresses: listenAddresses(config.server.host), port: config.server.port },
    connectTimeoutMs: timeoutMs,
    totalTimeoutMs: timeoutMs,
    maxResponseBytes: 64 * 1024,
  };
  const guard = new GuardedFetch(guardOptions);
  let subject = push.subject;
  if (deps.keys && subject === "") {
    subject = PLACEHOLDER_SUBJECT;
    logger.warn(
      `[push] subject is empty: pushes name ${PLACEHOLDER_SUBJECT} as their contact; set a mailto: or https: address (Apple's push service may refuse the placeholder)`,
    );
  }
  const keys = deps.keys;
  const delivery = keys && { keys, subject, ttlSeconds: push.ttl_seconds };
  const database = config.database;
  let sender: PushSender | undefined;
  if (delivery && database.type === "sqlite" && database.path === ":memory:") {
    // Only this connection sees an in-memory database: send from this event loop.
    sender = new LocalSender(
      new QueueWorker({
        store: deps.store,
        guard,
        delivery,
        counters: metricsCounters(deps.metrics),
        nodeId: deps.nodeId,
        maxAttempts: push.max_attempts,
        timeoutMs,
        onError: deps.onError,
      }),
      deps.store,
      push.include_content,
    );
  } else if (delivery) {
    sender = new ThreadSender(
      () => ({
        // A few connections of its own: it works through its queue a batch at a time.
        database:
          database.type === "postgres"
            ? { ...database, pool_size: Math.min(database.pool_size, SENDER_POOL_SIZE) }
            : database,
        ...(deps.postgresSchema ? { postgresSchema: deps.postgresSchema } : {}),
        guard: guardOptions,
        delivery,
        includeContent: push.include_content,
        nodeId: deps.nodeId,
        maxAttempts: push.max_attempts,
        timeoutMs,
      }),
      deps.metrics,
      deps.onError,
      () => deps.store.push.stats(),
    );
  }
  const service = new PushService({
    store: deps.store,
    keys: deps.keys,
    guard,
    sender,
    includeContent: push.include_content,
    wasActiveAt: deps.wasActiveAt,
    onError: deps.onError,
  });
  return {
    service,
    sender,
    guard,
    listening(host, port) {
      // The guard keeps these options: the sender thread starts with them.
      guard.setSelf({ addresses: listenAddresses(host), port });
    },
  };
}
