/**
 * The REST rate limit: `max_requests_per_minute` per client address, over the API only:
 * the web app's static files are cached by browsers and cost nothing to serve, and one
 * page load must not spend a user's budget. Routes opt out with
 * `config: { rateLimit: false }`; the socket upgrade never passes through here.
 *
 * Whether a request is an API request is decided from the route it matched, never from
 * the raw URL: the router decodes the path, so `/%61pi/v1/...` reaches the API's routes
 * while its raw URL does not start with `/api/`.
 */
import rateLimit from "@fastify/rate-limit";
import type { FastifyInstance } from "fastify";
import type { Redis } from "ioredis";
import type { Config } from "../config/schema.js";
import { AppError } from "../errors.js";
import type { Metrics } from "../ops/metrics.js";

const API_PREFIX = "/api/";

/** Whether a route pattern (not a request's path) belongs to the REST API. */
export function isApiRoute(routeUrl: string | undefined): boolean {
  return routeUrl?.startsWith(API_PREFIX) === true;
}

export async function installRateLimit(
  app: FastifyInstance,
  config: Config,
  metrics: Metrics,
  redis?: Redis,
): Promise<void> {
  if (!config.rate_limit.enabled) return;
  await app.register(rateLimit, {
    // Shared counters make the limit hold per cluster rather than per node.
    ...(redis ? { redis, nameSpace: `${config.redis.key_prefix}rl:`, skipOnError: true } : {}),
    global: true,
    max: config.rate_limit.max_requests_per_minute,
    timeWindow: 60_000,
    keyGenerator: (request) => request.ip,
    allowList: (request) => !isApiRoute(request.routeOptions.url),
    onExceeded: () => metrics.rateLimited.inc({ limit: "rest" }),
    errorResponseBuilder: (_request, context) =>
      new AppError(
        "rate_limited",
        `more than ${context.max} requests a minute from this address; retry in ${Math.ceil(context.ttl / 1000)} s`,
      ),
  });
}
