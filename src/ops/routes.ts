/**
 * Operations endpoints: /health for load balancers, /status for operators, /metrics for
 * Prometheus. They sit outside /api/v1 and outside the REST rate limit.
 */

import { errorBody, healthResponse, statusResponse } from "@private-chat/protocol/rest";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { bytes, PUBLIC } from "../http/openapi.js";
import type { Store } from "../storage/store.js";
import type { Metrics } from "./metrics.js";

export interface OpsDeps {
  store: Store;
  metrics: Metrics;
  version: string;
  startedAt: number;
  connections: () => number;
  nodeId: string;
  /** True when nodes share real-time events over Redis. */
  clustered: boolean;
}

export function registerOpsRoutes(root: FastifyInstance, deps: OpsDeps): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const uptimeSeconds = () => Math.floor((Date.now() - deps.startedAt) / 1000);
  const config = { rateLimit: false };
  const tags = ["ops"];

  const health = {
    summary: "Whether this node can serve (for load balancers)",
    operationId: "getHealth",
    tags,
    security: PUBLIC,
    response: {
      200: healthResponse.check(z.describe("Healthy")),
      // Or, while the server is shutting down, the usual error body.
      503: z.union([healthResponse, errorBody]).describe("The database does not answer"),
    },
  };
  app.get("/health", { config, schema: health }, async (_request, reply) => {
    let healthy = true;
    try {
      await deps.store.ping();
    } catch {
      healthy = false;
    }
    reply.code(healthy ? 200 : 503).header("cache-control", "no-store");
    return {
      status: healthy ? ("healthy" as const) : ("unhealthy" as const),
      timestamp: Date.now(),
      uptime_seconds: uptimeSeconds(),
    };
  });

  const status = {
    summary: "This node's version, uptime, database and connections",
    operationId: "getStatus",
    tags,
    security: PUBLIC,
    response: { 200: statusResponse },
  };
  app.get("/status", { config, schema: status }, async (_request, reply) => {
    reply.header("cache-control", "no-store");
    return {
      connections: deps.connections(),
      version: deps.version,
      uptime_seconds: uptimeSeconds(),
      database: deps.store.type,
      node_id: deps.nodeId,
      cluster: deps.clustered,
      node: process.version,
      memory_rss_bytes: process.memoryUsage.rss(),
    };
  });

  const metrics = {
    summary: "Prometheus metrics of this node",
    operationId: "getMetrics",
    tags,
    security: PUBLIC,
    response: { 200: bytes("Metrics in the Prometheus text format", "text/plain") },
  };
  app.get("/metrics", { config, schema: metrics }, async (_request, reply) => {
    deps.metrics.socketConnections.set(deps.connections());
    reply.header("content-type", deps.metrics.contentType).header("cache-control", "no-store");
    return deps.metrics.render();
  });
}
