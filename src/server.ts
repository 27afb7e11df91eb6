/**
 * Starts and stops one chat-server process: storage, services, HTTP and sockets, in that
 * order, and the reverse on the way down.
 */
import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import { prepareUploadsDir } from "./attachments/uploads-dir.js";
import { ConfigError } from "./config/load.js";
import type { Config } from "./config/schema.js";
import { checkSecrets, resolveJwtSecrets } from "./config/secrets.js";
import { createContext, type ServerContext } from "./context.js";
import { buildApp } from "./http/app.js";
import { type RouteEntry, registeredRoutes } from "./http/route-table.js";
import { NodeRegistry } from "./ops/node-registry.js";
import { checkVapidKeys, resolveVapidKeys } from "./push/vapid-keys.js";
import { SocketAdmission } from "./realtime/admission.js";
import { HandshakeLimit } from "./realtime/handshake-limit.js";
import { createSocketQuota } from "./realtime/socket-quota.js";
import { attachSocketServer } from "./realtime/socket-server.js";
import { schemaStatus } from "./storage/migrate.js";
import { type OpenStoreOptions, openStore } from "./storage/store.js";

export interface RunningServer {
  app: FastifyInstance;
  ctx: ServerContext;
  /** Base URL the server listens on, e.g. http://127.0.0.1:8080. */
  url: string;
  port: number;
  /** Every HTTP route the app registered (method + URL pattern). */
  routes: readonly RouteEntry[];
  /**
   * Stops taking sockets (handshakes get 503, /health 503), lets open sockets finish the
   * frames they sent, then closes them with 1001; REST keeps answering until close().
   */
  drain(): Promise<void>;
  /** Drains, then stops everything. */
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
  // What has started, to stop in reverse order: on close, and just as well when the start
  // fails part way (a busy port), so nothing started keeps running into a closed store.
  const started: (() => unknown)[] = [() => store.close()];
  const stopAll = async (): Promise<void> => {
    for (const stop of started.splice(0).reverse()) await stop();
  };
  try {
    store.checkIntegrity();
    const migration = await store.migrate();
    // The schema is known and current; its tables must also be readable.
    await store.checkReads();
    store.appender.start?.();
    await prepareUploadsDir(config, store);
    if (migration.applied.length > 0) {
      logger.info(
        { applied: migration.applied, database: store.type },
        "applied schema migrations",
      );
    }
    const schema = await schemaStatus(store.db, store.type);
    if (schema.unknownExpand.length > 0) {
      // Normal mid-way through a rolling upgrade; worth a line, since it should not last.
      logger.warn(
        { newer: schema.unknownExpand },
        "the schema has expand steps of a newer chat-server; this version serves it, but upgrade this node too",
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
    const ctx = createContext(config, store, secrets, logger, {
      vapidKeys,
      ...(options.postgresSchema ? { postgresSchema: options.postgresSchema } : {}),
    });
    started.push(() => ctx.pubsub.close());
    // Settings an admin changed at run time win over the file's from the first request.
    await ctx.settings.refresh();
    await ctx.twoFactor.policy.load(ctx.store);
    await ctx.redis?.connect().catch((err: unknown) => {
      throw new Error(`cannot reach Redis ([redis] url): ${(err as Error).message}`);
    });
    const app = await buildApp(ctx, { logger });
    started.push(() => app.close());
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
      admission: new SocketAdmission(config.limits.opening_sockets),
    });
    // Stop taking sockets first, then say goodbye to those open.
    started.push(() => ctx.hub.close());
    started.push(() => sockets.close());
    await ctx.hub.start();
    // After a restart every client connects within seconds: a queue of 511 (Node's default)
    // drops the rest of the burst, and each dropped connection waits a second or more for
    // TCP to try again. The kernel caps this at net.core.somaxconn.
    await app.listen({ port: config.server.port, host: config.server.host, backlog: 65_535 });
    // Started only once listening: a failed start sweeps nothing and leaves no registry entry.
    ctx.attachments.start();
    const registry = new NodeRegistry(store, ctx.nodeId, ctx.redis !== undefined, logger, () =>
      ctx.settings.refresh(),
    );
    // Stopped after the sockets and the hub, as before them: slot in ahead of those two.
    started.splice(
      started.length - 2,
      0,
      () => registry.stop(),
      () => ctx.attachments.stop(),
      () => ctx.retention.stop(),
    );
    await registry.start();
    // After the registry: the sweep runs on the node with the smallest id of those live.
    ctx.retention.start();
    const address = app.server.address();
    const port = typeof address === "object" && address ? address.port : config.server.port;
    ctx.push.listening(config.server.host, port);
    ctx.push.sender?.start();
    ctx.outgoing.listening(config.server.host, port);
    ctx.outgoing.worker.start();
    started.push(() => ctx.outgoing.close());
    ctx.oidcCheck.start();
    started.push(() => ctx.oidcCheck.stop());
    if (ctx.ldapSync) {
      const sync = ctx.ldapSync;
      sync.start();
      started.push(() => sync.stop());
    }
    // Pushes in flight are cut off rather than waited for: unsent, they stay queued.
    started.push(async () => {
      const pushStopped = ctx.push.sender?.stop();
      ctx.push.guard.close();
      await pushStopped;
    });
    const host = config.server.host.includes(":") ? `[${config.server.host}]` : config.server.host;
    let closing: Promise<void> | undefined;
    const drain = () => {
      ctx.draining = true;
      return sockets.drain();
    };
    return {
      app,
      ctx,
      port,
      routes: registeredRoutes(app),
      url: `http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${port}`,
      drain,
      close() {
        // Stop taking sockets and let the open ones finish their sends, then stop the rest.
        closing ??= drain().then(stopAll);
        return closing;
      },
    };
  } catch (err) {
    // The start's own error is what the operator hears; a second failure while undoing
    // it would only hide that.
    await stopAll().catch(() => {});
    throw err;
  }
}
