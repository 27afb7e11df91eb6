/**
 * Operations endpoints: /health for load balancers, /status for operators, /metrics for
 * Prometheus. They sit outside /api/v1 and outside the REST rate limit.
 *
 * /status and /metrics answer only their exact path. The router would also take
 * `/metrics/` (trailing slashes are ignored) and `/%6detrics` (it decodes the path) for
 * them, while a reverse proxy that keeps them private matches paths its own way: any
 * spelling its rule does not foresee would pass through to these answers.
 */

import { errorBody, healthResponse, statusResponse } from "@private-chat/protocol/rest";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { AppError } from "../errors.js";
import { bytes, PUBLIC } from "../http/openapi.js";
import { pathOnly } from "../http/request-log.js";
import type { Store } from "../storage/store.js";
import { healthChecks } from "./health.js";
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
  /** Where attachments are stored (local store) or spooled (S3). */
  uploadsDir: string;
  /** True once the node drains before stopping. */
  draining: () => boolean;
}

/** onRequest of a private endpoint: any spelling but the route's own is unknown here. */
async function exactPathOnly(request: FastifyRequest): Promise<void> {
  const path = pathOnly(request.url);
  if (path !== request.routeOptions.url) {
    throw new AppError("not_found", `no route for ${request.method} ${path}`);
  }
}

export function registerOpsRoutes(root: FastifyInstance, deps: OpsDeps): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const uptimeSeconds = () => Math.floor((Date.now() - deps.startedAt) / 1000);
  const config = { rateLimit: false as const };
  const exactPath = { config, onRequest: exactPathOnly };
  const tags = ["ops"];

  const health = {
    summary: "Whether this node can serve (for load balancers)",
    operationId: "getHealth",
    tags,
    security: PUBLIC,
    response: {
      200: healthResponse.check(z.describe("Healthy")),
      // Or, while the server drains or shuts down, the usual error body.
      503: z
        .union([healthResponse, errorBody])
        .describe(
          "The database cannot be read, the uploads directory cannot be written, or the node is draining or stopping",
        ),
    },
  };
  const checks = healthChecks(deps);
  app.get("/health", { config, schema: health }, async (request, reply) => {
    // Load balancers stop sending new work here; requests in progress still finish.
    if (deps.draining()) {
      reply.header("cache-control", "no-store");
      throw new AppError("shutting_down", "this node is draining before it stops");
    }
    const failing = await checks(request.log);
    reply.code(failing.length === 0 ? 200 : 503).header("cache-control", "no-store");
    const body = {
      status: failing.length === 0 ? ("healthy" as const) : ("unhealthy" as const),
      timestamp: Date.now(),
      uptime_seconds: uptimeSeconds(),
    };
    return failing.length === 0 ? body : { ...body, failing };
  });

  const status = {
    summary: "This node's version, uptime, database and connections",
    operationId: "getStatus",
    tags,
    security: PUBLIC,
    response: { 200: statusResponse },
  };
  app.get("/status", { ...exactPath, schema: status }, async (_request, reply) => {
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
  app.get("/metrics", { ...exactPath, schema: metrics }, async (_request, reply) => {
    deps.metrics.socketConnections.set(deps.connections());
    reply.header("content-type", deps.metrics.contentType).header("cache-control", "no-store");
    return deps.metrics.render();
  });
}
