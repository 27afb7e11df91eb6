/**
 * buildApp(): the HTTP application, apart from listen() so tests can run it on port 0.
 */

import { randomUUID } from "node:crypto";
import cors from "@fastify/cors";
import helmet from "@fastify/helmet";
import { containsUnsafeText, UNSAFE_TEXT_MESSAGE } from "@private-chat/protocol/unsafe-text";
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from "fastify";
import { validatorCompiler } from "fastify-type-provider-zod";
import type { Logger } from "pino";
import { registerAdminRoutes } from "../admin/routes.js";
import { registerAttachmentRoutes } from "../attachments/routes.js";
import { uploadsDir } from "../attachments/setup.js";
import { requireAuth } from "../auth/authenticate.js";
import { recheckAfterBody } from "../auth/recheck.js";
import { registerAuthRoutes } from "../auth/routes.js";
import { registerTokenRoutes } from "../auth/token-routes.js";
import { registerPasskeySignInRoutes, registerTwoFactorRoutes } from "../auth/two-factor/routes.js";
import { registerBlockRoutes } from "../blocks/routes.js";
import { registerBotRoutes } from "../bots/routes.js";
import type { ServerContext } from "../context.js";
import { registerConversationRoutes } from "../conversations/routes.js";
import { registerDeviceRoutes } from "../devices/routes.js";
import { AppError } from "../errors.js";
import { registerHistoryShareRoutes } from "../history-shares/routes.js";
import { registerKeyBackupRoutes } from "../key-backup/routes.js";
import { registerPinRoutes } from "../messages/pin-routes.js";
import { registerMessageRoutes } from "../messages/routes.js";
import { registerThreadRoutes } from "../messages/thread-routes.js";
import { registerNotificationRoutes } from "../notifications/routes.js";
import { registerProviderLinkRoutes } from "../oidc/link-routes.js";
import { registerOidcRoutes } from "../oidc/routes.js";
import { registerOpsRoutes } from "../ops/routes.js";
import { registerOutgoingRoutes } from "../outgoing/routes.js";
import { registerPushRoutes } from "../push/routes.js";
import { registerSearchRoutes } from "../search/routes.js";
import { registerSyncRoutes } from "../sync/routes.js";
import { registerExportRoutes } from "../users/export-routes.js";
import { registerUserRoutes } from "../users/routes.js";
import { VERSION } from "../version.js";
import { registerHookRoute } from "../webhooks/hook-route.js";
import { registerWebhookRoutes } from "../webhooks/routes.js";
import { installBodyDeadlines } from "./body-deadline.js";
import { registerCompression } from "./compression.js";
import { frameworkErrors, installErrorHandlers } from "./error-handler.js";
import { registerOpenApi, registerOpenApiRoute } from "./openapi.js";
import { installRateLimit } from "./rate-limit.js";
import { onClientError } from "./raw-error.js";
import { installRequestLog } from "./request-log.js";
import { recordRoutes } from "./route-table.js";
import { registerServerInfoRoute } from "./server-info.js";
import { registerWebApp } from "./web-app.js";

const HEADERS_TIMEOUT_MS = 30_000;

export interface BuildAppOptions {
  logger: Logger;
}

export async function buildApp(
  ctx: ServerContext,
  options: BuildAppOptions,
): Promise<FastifyInstance> {
  const { config } = ctx;
  const loggerInstance: FastifyBaseLogger = options.logger;
  const app = Fastify({
    loggerInstance,
    // One line per request is written by request-log.ts, with the query string removed.
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    trustProxy: config.server.trust_proxy.length > 0 ? config.server.trust_proxy : false,
    bodyLimit: config.server.body_limit_bytes,
    // Node's defaults let a slow client hold a request open far too long. Headers get a
    // fixed deadline here; bodies are timed by body-deadline.ts, which lets an upload on a
    // slow link take as long as it keeps moving.
    http: { headersTimeout: HEADERS_TIMEOUT_MS },
    requestTimeout: 0,
    connectionTimeout: 60_000,
    clientErrorHandler: onClientError,
    frameworkErrors,
    // Requests that arrive while closing get the catalogue's shutting_down (below).
    return503OnClosing: false,
    routerOptions: { ignoreTrailingSlash: true },
  });
  recordRoutes(app);
  installBodyDeadlines(app, config.server.request_body_timeout_seconds * 1000);
  app.setValidatorCompiler(validatorCompiler);
  // Response schemas document the API (OpenAPI) and the test suite checks every answer
  // against them; at run time a body is written as the presenter shaped it. Parsing each
  // answer through its schema first made a history page seven times dearer to send.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  installErrorHandlers(app);
  let closing = false;
  app.addHook("preClose", async () => {
    closing = true;
  });
  app.addHook("preValidation", async (request) => {
    if (
      containsUnsafeText(request.body) ||
      containsUnsafeText(request.params) ||
      containsUnsafeText(request.query)
    ) {
      throw new AppError("invalid_request", UNSAFE_TEXT_MESSAGE);
    }
  });
  app.addHook("onRequest", async (_request, reply) => {
    if (closing) {
      reply.header("connection", "close");
      throw new AppError("shutting_down", "the server is restarting; try again shortly");
    }
  });
  installRequestLog(app, ctx.metrics);

  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        // WebAssembly may be compiled from the app's own files (argon2id for the key
        // backup's passphrase); no script text is ever evaluated.
        scriptSrc: ["'self'", "'wasm-unsafe-eval'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", "data:", "blob:"],
        connectSrc: ["'self'"],
        fontSrc: ["'self'"],
        // The web app's service worker (sw.js) and manifest: only this origin's files.
        workerSrc: ["'self'"],
        manifestSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    frameguard: { action: "deny" },
    referrerPolicy: { policy: "no-referrer" },
    hsts: false, // TLS ends at the reverse proxy, which sets HSTS (see deploy/nginx).
    crossOriginEmbedderPolicy: false,
  });
  if (config.server.cors_origins.length > 0) {
    await app.register(cors, {
      origin: config.server.cors_origins,
      methods: ["GET", "POST", "PATCH", "DELETE"],
      allowedHeaders: ["authorization", "content-type"],
      maxAge: 600,
    });
  }
  await installRateLimit(app, config, ctx.metrics, ctx.redis?.client);
  await registerOpenApi(app);

  registerOpsRoutes(app, {
    store: ctx.store,
    metrics: ctx.metrics,
    version: VERSION,
    startedAt: ctx.startedAt,
    connections: () => ctx.hub.size,
    nodeId: ctx.nodeId,
    clustered: ctx.redis !== undefined,
    uploadsDir: uploadsDir(config),
    draining: () => ctx.draining,
  });

  await app.register(
    async (api) => {
      await registerCompression(api);
      registerServerInfoRoute(api, config, ctx.settings);
      registerOpenApiRoute(api);
      registerAuthRoutes(api, ctx.auth, ctx.tickets, ctx.deleteAccount);
      registerPasskeySignInRoutes(api, ctx.twoFactor, ctx.auth);
      await registerOidcRoutes(api, ctx.oidc, ctx.oidcLogout, ctx.oidcDevice);
      await registerHookRoute(api, ctx.webhooks);
      await api.register(async (authed) => {
        // After the rate limit (onRequest) and before any body is read or validated: a
        // caller without a valid token learns nothing of the schemas and costs no parsing.
        authed.addHook("preParsing", requireAuth(ctx.auth));
        // And again once the body has arrived: a slow body must not outlive its session.
        authed.addHook("preHandler", recheckAfterBody(ctx.auth));
        registerConversationRoutes(authed, ctx.conversations, ctx.notifications);
        registerNotificationRoutes(authed, ctx.notifications);
        registerBlockRoutes(authed, ctx.blocks);
        registerDeviceRoutes(authed, ctx.devices);
        registerKeyBackupRoutes(authed, ctx.keyBackups);
        registerHistoryShareRoutes(authed, ctx.historyShares);
        registerMessageRoutes(authed, ctx.messages);
        registerPinRoutes(authed, ctx.pins);
        registerThreadRoutes(authed, ctx.threads);
        await registerAttachmentRoutes(authed, ctx.attachments);
        registerUserRoutes(authed, ctx.store, ctx.hub);
        registerSyncRoutes(authed, ctx.sync);
        registerSearchRoutes(authed, ctx.store);
        registerPushRoutes(authed, ctx.push.service);
        registerTokenRoutes(authed, ctx.accessTokens, ctx.store);
        registerTwoFactorRoutes(authed, ctx.twoFactor, ctx.auth);
        registerProviderLinkRoutes(authed, ctx.providerLinks, ctx.auth);
        registerBotRoutes(authed, ctx.bots);
        registerWebhookRoutes(authed, ctx.webhooks);
        registerOutgoingRoutes(authed, ctx.outgoing.service);
        await registerAdminRoutes(authed, ctx);
        await registerExportRoutes(authed, ctx);
      });
    },
    { prefix: "/api/v1" },
  );

  await registerWebApp(app);
  return app;
}
