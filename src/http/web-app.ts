/**
 * Serves the built web app (the @private-chat/web package's dist/) at "/", and /admin as a
 * way into its admin console: hashed assets cached for a year, the page
 * itself revalidated on every load so a new release is picked up at once. Text files go out
 * as the .br or .gz the build wrote beside them, when the browser accepts one.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance } from "fastify";

// The web app is a workspace package; its build lands in dist/ beside its package.json.
const webPackage = createRequire(import.meta.url).resolve("@private-chat/web/package.json");
export const WEB_ROOT = join(dirname(webPackage), "dist");

export async function registerWebApp(app: FastifyInstance, root = WEB_ROOT): Promise<void> {
  const hidden = { config: { rateLimit: false }, schema: { hide: true } };
  // The admin console is a route of the app (hash routing); /admin is its address to type.
  app.get("/admin", hidden, async (_request, reply) => reply.redirect("/#/admin", 302));
  if (!existsSync(`${root}/index.html`)) {
    app.get("/", hidden, async (_request, reply) => {
      reply.type("text/plain; charset=utf-8");
      return "chat-server is running, but the web app is not built: run `npm run build`.\n";
    });
    return;
  }
  await app.register(fastifyStatic, {
    root,
    prefix: "/",
    index: ["index.html"],
    wildcard: false,
    // Sends file.br or file.gz (with Content-Encoding and Vary: Accept-Encoding) when the
    // request accepts it; the build writes them (packages/web/vite.config.ts).
    preCompressed: true,
    cacheControl: false,
    etag: true,
    lastModified: true,
    setHeaders(res, path) {
      // sw.js and manifest.webmanifest keep their names across releases, so they are
      // revalidated like the page (browsers also check sw.js at least daily by themselves).
      const immutable = /[/\\]assets[/\\]/.test(path);
      res.setHeader(
        "cache-control",
        immutable ? "public, max-age=31536000, immutable" : "no-cache",
      );
      // The same URL answers in brotli, gzip or plain: caches must key on the request's
      // Accept-Encoding (@fastify/static does not say so itself).
      res.setHeader("vary", "accept-encoding");
      if (path.endsWith(".webmanifest"))
        res.setHeader("content-type", "application/manifest+json; charset=utf-8");
    },
  });
}
