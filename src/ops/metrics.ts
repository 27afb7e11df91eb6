/**
 * Prometheus metrics, in a registry of the app's own so that several servers in one
 * process (as in tests) never share or clash over counters.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

export class Metrics {
  readonly registry = new Registry();

  readonly httpRequests = new Counter({
    name: "chat_http_requests_total",
    help: "HTTP requests answered, by method, route and status",
    labelNames: ["method", "route", "status"] as const,
    registers: [this.registry],
  });

  readonly httpDuration = new Histogram({
    name: "chat_http_request_duration_seconds",
    help: "Time to answer HTTP requests, by method and route",
    labelNames: ["method", "route"] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  readonly socketConnections = new Gauge({
    name: "chat_websocket_connections",
    help: "Open WebSocket connections",
    registers: [this.registry],
  });

  readonly slowConsumers = new Counter({
    name: "chat_websocket_slow_consumers_total",
    help: "Sockets cut off because they stopped reading",
    registers: [this.registry],
  });

  readonly socketFrames = new Counter({
    name: "chat_websocket_frames_total",
    help: "Client frames received, by type and outcome",
    labelNames: ["type", "outcome"] as const,
    registers: [this.registry],
  });

  readonly authFailures = new Counter({
    name: "chat_auth_failures_total",
    help: "Failed authentications, by reason",
    labelNames: ["reason"] as const,
    registers: [this.registry],
  });

  readonly rateLimited = new Counter({
    name: "chat_rate_limit_rejections_total",
    help: "Requests refused by a rate limit, by limit",
    labelNames: ["limit"] as const,
    registers: [this.registry],
  });

  readonly messagesStored = new Counter({
    name: "chat_messages_stored_total",
    help: "Messages committed to the database",
    registers: [this.registry],
  });

  readonly messageBatchSize = new Histogram({
    name: "chat_message_commit_batch_size",
    help: "Messages stored per commit (concurrent sends share one transaction)",
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
    registers: [this.registry],
  });

  readonly pushSent = new Counter({
    name: "chat_push_sent_total",
    help: "Web Push messages a push service accepted",
    registers: [this.registry],
  });

  readonly pushFailed = new Counter({
    name: "chat_push_failed_total",
    help: "Web Push attempts that failed, by reason",
    labelNames: ["reason"] as const,
    registers: [this.registry],
  });

  readonly pushQueued = new Gauge({
    name: "chat_push_queued",
    help: "Web Push messages waiting in the queue (all nodes)",
    registers: [this.registry],
  });

  readonly pushOldestAge = new Gauge({
    name: "chat_push_oldest_queued_seconds",
    help: "Age of the oldest Web Push message in the queue, in seconds (0 when empty)",
    registers: [this.registry],
  });

  readonly eventDeliveriesSent = new Counter({
    name: "chat_event_deliveries_sent_total",
    help: "Bot event deliveries a receiver took (a 2xx answer)",
    registers: [this.registry],
  });

  readonly eventDeliveriesFailed = new Counter({
    name: "chat_event_deliveries_failed_total",
    help: "Bot event delivery attempts that failed, and deliveries given up or refused, by reason",
    labelNames: ["reason"] as const,
    registers: [this.registry],
  });

  readonly eventDeliveriesQueued = new Gauge({
    name: "chat_event_deliveries_queued",
    help: "Bot event deliveries waiting in the queue (all nodes)",
    registers: [this.registry],
  });

  readonly eventDeliveriesOldestAge = new Gauge({
    name: "chat_event_deliveries_oldest_queued_seconds",
    help: "Age of the oldest queued bot event delivery, in seconds (0 when empty)",
    registers: [this.registry],
  });

  readonly commandRuns = new Counter({
    name: "chat_slash_commands_total",
    help: "Slash commands run, by outcome (answered, no_answer)",
    labelNames: ["outcome"] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    // A `_total` suffix promises a counter; prom-client's sums of active handles, requests
    // and resources are gauges named so, which Prometheus' linter rejects. The same
    // gauges broken down by type remain (nodejs_active_handles and the like).
    for (const metric of this.registry.getMetricsAsArray()) {
      if (metric.name.endsWith("_total") && !(metric instanceof Counter))
        this.registry.removeSingleMetric(metric.name);
    }
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
