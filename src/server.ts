/**
 * Starts and stops one chat-server process: storage, services, HTTP and sockets, in that
 * order, and the reverse on the way down.
 */
import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import { ConfigError } from "./config/load.js";
import type { Config } from "./config/schema.js";
import { checkSecrets, resolveJwtSecrets } from "./config/secrets.js";
import { createContext, type ServerContext } from "./context.js";
import { buildApp } from "./http/app.js";
import { type RouteEntry, registeredRoutes } from "./http/route-table.js";
import { NodeRegistry } from "./ops/node-registry.js";
import { checkVapidKeys, resolveVapidKeys } from "./push/vapid-keys.js";
import { HandshakeLimit } from "./realtime/handshake-limit.js";
import type { Hub } from "./realtime/hub.js";
import type { RedisPubSub } from "./realtime/redis-pubsub.js";
import { createSocketQuota } from "./realtime/socket-quota.js";
import { attachSocketServer } from "./realtime/socket-server.js";
import { type OpenStoreOptions, openStore } from "./storage/store.js";

export interface RunningServer {
  app: FastifyInstance;
  ctx: ServerContext;
  /** Base URL the server listens on, e.g. http://127.0.0.1:8080. */
  url: string;
  port: number;
  /** Every HTTP route the app registered (method + URL pattern). */
  routes: readonly RouteEntry[];
  close(): Promise<void>;
}

export interface StartOptions extends OpenStoreOptions {
  logger: Logger;
  /** Where the configuration came from, for error messages. */
  source?: string;
}

export async function startServer(config: Config, options: StartOptions): Promise<RunningServer> {
  const problems = [
    ...checkSecrets(config, options.source),
    ...checkVapidKeys(config, options.source),
  ];
  if (problems.length > 0) throw new ConfigError(problems);
  const { logger } = options;

  const store = openStore(config.database, { ...options, backgroundThreads: true });
  let app: FastifyInstance | undefined;
  let hub: Hub | undefined;
  let redis: RedisPubSub | undefined;
  try {
    const migration = await store.migrate();
    if (migration.applied.length > 0) {
      logger.info(
        { applied: migration.applied, database: store.type },
        "applied schema migrations",
      );
    }
    const secrets = resolveJwtSecrets(config);
    if (secrets.generatedFile) {
      logger.info(
        { file: secrets.generatedFile },
        "using the generated JWT secret kept in the data directory; set [auth] jwt_secret to choose one",
      );
    }
    const vapidKeys = resolveVapidKeys(config);
    if (vapidKeys?.generatedFile) {
      logger.info(
        { file: vapidKeys.generatedFile },
        "using the generated VAPID keys kept in the data directory; set [push] vapid_public_key and vapid_private_key to choose them",
      );
    } else if (!vapidKeys) {
      logger.warn(
        "Web Push is off: a server on PostgreSQL needs [push] vapid_public_key and vapid_private_key (chat-server push generate-keys prints a pair)",
      );
    }
    const ctx = createContext(config, store, secrets, logger, vapidKeys);
    redis = ctx.redis;
    await ctx.redis?.connect().catch((err: unknown) => {
      throw new Error(`cannot reach Redis ([redis] url): ${(err as Error).message}`);
    });
    app = await buildApp(ctx, { logger });
    const sockets = attachSocketServer({
      server: app.server,
      auth: ctx.auth,
      tickets: ctx.tickets,
      hub: ctx.hub,
      handlers: ctx.frames,
      logger,
      metrics: ctx.metrics,
      allowedOrigins: config.server.cors_origins,
      trustProxy: config.server.trust_proxy,
      handshakes: config.rate_limit.enabled
        ? new HandshakeLimit({
            perSecond: config.rate_limit.socket_handshakes_per_second,
            burst: config.rate_limit.socket_handshake_burst,
          })
        : undefined,
      quota: createSocketQuota(config, ctx.redis?.client, logger),
      maxSocketsPerUser: config.limits.sockets_per_user,
    });
    hub = ctx.hub;
    await ctx.hub.start();
    ctx.attachments.start();
    await app.listen({ port: config.server.port, host: config.server.host });
    // Registered only once listening, so a failed start leaves no entry behind.
    const registry = new NodeRegistry(store, ctx.nodeId, ctx.redis !== undefined, logger);
    await registry.start();
    const address = app.server.address();
    const port = typeof address === "object" && address ? address.port : config.server.port;
    ctx.push.listening(config.server.host, port);
    ctx.push.worker?.start();
    const host = config.server.host.includes(":") ? `[${config.server.host}]` : config.server.host;
    const listening = app;
    let closing: Promise<void> | undefined;
    return {
      app: listening,
      ctx,
      port,
      routes: registeredRoutes(listening),
      url: `http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${port}`,
      close() {
        closing ??= (async () => {
          // Stop taking sockets first, then say goodbye to those open.
          sockets.close();
          await ctx.hub.close();
          // Pushes in flight are cut off rather than waited for: unsent, they stay queued.
          const pushStopped = ctx.push.worker?.stop();
          ctx.push.guard.close();
          await pushStopped;
          await ctx.attachments.stop();
          await registry.stop();
          await listening.close();
          await ctx.pubsub.close();
          await store.close();
        })();
        return closing;
      },
    };
  } catch (err) {
    await hub?.close().catch(() => {});
    await redis?.close().catch(() => {});
    await app?.close().catch(() => {});
    await store.close().catch(() => {});
    throw err;
  }
}
