/**
 * Builds the outgoing integrations for one process from the parsed config: the guarded
 * clients (one for event deliveries, one with the 3-second deadline of slash commands),
 * the dispatcher and delivery worker, and the service the routes use.
 */
import type { Logger } from "pino";
import type { BotService } from "../bots/service.js";
import type { Config } from "../config/schema.js";
import type { MessageService } from "../messages/service.js";
import type { Metrics } from "../ops/metrics.js";
import { GuardedFetch } from "../outbound/guarded-fetch.js";
import { listenAddresses } from "../push/setup.js";
import type { Store } from "../storage/store.js";
import { DeliveryWorker } from "./delivery-worker.js";
import { EventDispatcher } from "./dispatcher.js";
import { OutgoingService } from "./service.js";

/** How long a member waits for a slash command's answer. */
export const COMMAND_TIMEOUT_MS = 3_000;

export interface OutgoingSetup {
  service: OutgoingService;
  worker: DeliveryWorker;
  /** Tells the guards which address and port this server listens on, once it does. */
  listening(host: string, port: number): void;
  close(): Promise<void>;
}

export interface OutgoingSetupDeps {
  config: Config;
  store: Store;
  bots: BotService;
  messages: MessageService;
  metrics: Metrics;
  nodeId: string;
  logger: Logger;
  onError: (err: unknown, context: string) => void;
}

export function setUpOutgoing(deps: OutgoingSetupDeps): OutgoingSetup {
  const { config, metrics, store } = deps;
  const settings = config.integrations;
  if (settings.allow_private_urls) {
    deps.logger.warn(
      "[integrations] allow_private_urls = true: bots' URLs may be on loopback and private addresses; use it only for tests and closed networks",
    );
  }
  const timeoutMs = settings.event_timeout_seconds * 1000;
  const guard = new GuardedFetch({
    allowPrivate: settings.allow_private_urls,
    connectTimeoutMs: Math.min(5_000, timeoutMs),
    totalTimeoutMs: timeoutMs,
    maxResponseBytes: 64 * 1024,
  });
  const commandGuard = new GuardedFetch({
    allowPrivate: settings.allow_private_urls,
    connectTimeoutMs: COMMAND_TIMEOUT_MS,
    totalTimeoutMs: COMMAND_TIMEOUT_MS,
    maxResponseBytes: 64 * 1024,
  });
  const dispatcher = new EventDispatcher(store, {
    queueMax: settings.event_queue_max,
    onRefused: (count) => metrics.eventDeliveriesFailed.inc({ reason: "queue_full" }, count),
  });
  const worker = new DeliveryWorker({
    store,
    guard,
    dispatcher,
    nodeId: deps.nodeId,
    timeoutMs,
    retryBaseMs: settings.event_retry_base_ms,
    retryMaxMs: settings.event_retry_max_ms,
    giveUpMs: settings.event_retry_hours * 3_600_000,
    onError: deps.onError,
    counters: {
      sent: () => metrics.eventDeliveriesSent.inc(),
      failed: (reason) => metrics.eventDeliveriesFailed.inc({ reason }),
      queue: (queued, oldest) => {
        metrics.eventDeliveriesQueued.set(queued);
        metrics.eventDeliveriesOldestAge.set(oldest);
      },
    },
  });
  const service = new OutgoingService({
    store,
    bots: deps.bots,
    messages: deps.messages,
    guard,
    commandGuard,
    wake: () => worker.wake(),
    onCommand: (outcome) => metrics.commandRuns.inc({ outcome }),
  });
  return {
    service,
    worker,
    listening(host, port) {
      const self = { addresses: listenAddresses(host), port };
      guard.setSelf(self);
      commandGuard.setSelf(self);
    },
    async close() {
      await worker.stop();
      guard.close();
      commandGuard.close();
    },
  };
}
