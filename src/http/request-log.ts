/**
 * One log line and one metrics sample per answered request. The logged path carries no
 * query string, so a token passed in a URL never reaches a log.
 */
import type { FastifyInstance } from "fastify";
import type { Metrics } from "../ops/metrics.js";

export function pathOnly(url: string): string {
  const end = url.indexOf("?");
  return end === -1 ? url : url.slice(0, end);
}

export function installRequestLog(app: FastifyInstance, metrics: Metrics): void {
  app.addHook("onResponse", async (request, reply) => {
    const route = request.routeOptions.url ?? "(unmatched)";
    const seconds = reply.elapsedTime / 1000;
    const status = reply.statusCode;
    metrics.httpRequests.inc({ method: request.method, route, status: String(status) });
    metrics.httpDuration.observe({ method: request.method, route }, seconds);
    // Scrapes and health checks would drown the log; a refused one is worth a line.
    if ((route === "/health" || route === "/metrics") && status < 400) return;
    request.log.info(
      {
        method: request.method,
        route,
        path: pathOnly(request.url),
        status,
        duration_ms: Math.round(reply.elapsedTime * 100) / 100,
        ip: request.ip,
      },
      "request",
    );
  });
}
