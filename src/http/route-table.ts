/**
 * The routes an app registered, as method + URL pattern, recorded as they are added. Lets
 * the security suite check that every route has an authorisation case, so a new route
 * cannot ship unexamined.
 */
import type { FastifyInstance } from "fastify";

export interface RouteEntry {
  method: string;
  /** The full pattern, prefix included, e.g. /api/v1/conversations/:id. */
  url: string;
}

const tables = new WeakMap<FastifyInstance, RouteEntry[]>();

/** Starts recording; must run before any route is registered. */
export function recordRoutes(app: FastifyInstance): void {
  const table: RouteEntry[] = [];
  tables.set(app, table);
  app.addHook("onRoute", (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) table.push({ method: String(method), url: route.url });
  });
}

/** What `app` registered so far (empty when recordRoutes was never called on it). */
export function registeredRoutes(app: FastifyInstance): readonly RouteEntry[] {
  return tables.get(app) ?? [];
}
