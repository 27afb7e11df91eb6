/**
 * /api/v1/auth/oidc: signing in through an OpenID Connect provider. `start` and
 * `callback` are browser navigations: they answer with redirects, to the provider and
 * back to the web app, which gets a one-time code (`#/oidc/<code>`) or the error
 * (`#/oidc-error/<code>/<message>`) in the fragment; `exchange` turns the code into the
 * session's token.
 */
import { authResponse } from "@private-chat/protocol/rest";
import { oidcExchangeBody } from "@private-chat/protocol/two-factor";
import type { FastifyInstance, FastifyReply } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { clientOf } from "../auth/routes.js";
import { errorReply } from "../error-reply.js";
import { empty, PUBLIC } from "../http/openapi.js";
import type { OidcSignIn } from "./sign-in.js";

const providerParams = z.strictObject({ provider: z.string().max(64) });

/** Back to the web app with what went wrong, to show on its sign-in page. */
function toAppWithError(reply: FastifyReply, err: unknown) {
  const failure = errorReply(err);
  if (failure.unexpected) throw err;
  const message = encodeURIComponent(failure.message);
  return reply.redirect(`/#/oidc-error/${failure.code}/${message}`, 302);
}

export function registerOidcRoutes(root: FastifyInstance, oidc: OidcSignIn): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const tags = ["auth"];

  app.get(
    "/auth/oidc/:provider/start",
    {
      schema: {
        summary: "Start signing in through an OpenID Connect provider (a browser navigation)",
        description:
          "Redirects to the provider's sign-in page, or back to the web app with an error (#/oidc-error/<code>/<message>).",
        operationId: "oidcStart",
        // A browser navigation, not an API call: left out of the OpenAPI document.
        hide: true,
        tags,
        security: PUBLIC,
        params: providerParams,
        response: { 302: empty("To the provider, or back to the web app") },
      },
    },
    async (request, reply) => {
      try {
        const url = await oidc.start(request.params.provider, clientOf(request));
        return reply.redirect(url.href, 302);
      } catch (err) {
        return toAppWithError(reply, err);
      }
    },
  );

  app.get(
    "/auth/oidc/:provider/callback",
    {
      schema: {
        summary: "Where the provider sends the browser back (the redirect URI to register)",
        description:
          "Redirects to the web app with a one-time code (#/oidc/<code>) for POST /auth/oidc/exchange, or with an error.",
        operationId: "oidcCallback",
        // A browser navigation, not an API call: left out of the OpenAPI document.
        hide: true,
        tags,
        security: PUBLIC,
        params: providerParams,
        response: { 302: empty("Back to the web app") },
      },
    },
    async (request, reply) => {
      try {
        const query = new URLSearchParams(request.url.split("?")[1] ?? "");
        const code = await oidc.callback(request.params.provider, query, clientOf(request));
        return reply.redirect(`/#/oidc/${code}`, 302);
      } catch (err) {
        return toAppWithError(reply, err);
      }
    },
  );

  app.post(
    "/auth/oidc/exchange",
    {
      schema: {
        summary: "Exchange a provider sign-in's one-time code for the session's token",
        operationId: "oidcExchange",
        tags,
        security: PUBLIC,
        body: oidcExchangeBody,
        response: { 200: authResponse },
        errors: [401, 403],
      },
    },
    async (request) => oidc.exchange(request.body.code),
  );
}
