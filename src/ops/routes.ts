/**
 * Operations endpoints: /health for load balancers, /status for operators, /metrics for
 * Prometheus. They sit outside /api/v1 and outside the REST rate limit.
 */
import type { FastifyInstance } from "fastify";
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

export function registerOpsRoutes(app: FastifyInstance, deps: OpsDeps): void {
  const uptimeSeconds = () => Math.floor((Date.now() - deps.startedAt) / 1000);
  const exempt = { config: { rateLimit: false } };

  app.get("/health", exempt, async (_request, reply) => {
    let healthy = true;
    try {
      await deps.store.ping();
    } catch {
      healthy = false;
    }
    reply.code(healthy ? 200 : 503).header("cache-control", "no-store");
    return {
      status: healthy ? "healthy" : "unhealthy",
      timestamp: Date.now(),
      uptime_seconds: uptimeSeconds(),
    };
  });

  app.get("/status", exempt, async (_request, reply) => {
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

  app.get("/metrics", exempt, async (_request, reply) => {
    deps.metrics.socketConnections.set(deps.connections());
    reply.header("content-type", deps.metrics.contentType).header("cache-control", "no-store");
    return deps.metrics.render();
  });
}
