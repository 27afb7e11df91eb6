/**
 * /api/v1/auth/oidc: signing in through an OpenID Connect provider. `start` and
 * `callback` are browser navigations: they answer with redirects, to the provider and
 * back to the web app, which gets a one-time code (`#/oidc/<code>`, or to show for the
 * terminal client, `#/oidc-terminal/<code>`) or the error
 * (`#/oidc-error/<code>/<message>`) in the fragment; `exchange` turns the code into the
 * session's token.
 */
import { authResponse } from "@private-chat/protocol/rest";
import {
  oidcDevicePending,
  oidcDevicePollBody,
  oidcDeviceStart,
  oidcExchangeBody,
} from "@private-chat/protocol/two-factor";
import { parse, serialize } from "cookie";
import type { FastifyInstance, FastifyReply } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { clientOf } from "../auth/routes.js";
import { errorReply } from "../error-reply.js";
import { empty, PUBLIC } from "../http/openapi.js";
import type { BackchannelLogout } from "./backchannel-logout.js";
import type { OidcDeviceSignIn } from "./device-sign-in.js";
import { LINK_COOKIE, LINK_COOKIE_PATH } from "./links.js";
import { LinkFailed, type OidcSignIn } from "./sign-in.js";

const providerParams = z.strictObject({ provider: z.string().max(64) });
// `for=terminal`: the terminal client's sign-in; the browser shows the code to paste.
const startQuery = z.strictObject({ for: z.optional(z.enum(["terminal"])) });

/**
 * Back to the web app with what went wrong, to show on its sign-in page — or in
 * Settings, for a sign-in started there to link the account.
 */
function toAppWithError(reply: FastifyReply, err: unknown) {
  const cause = err instanceof LinkFailed ? err.cause : err;
  const failure = errorReply(cause);
  if (failure.unexpected) throw cause;
  const message = encodeURIComponent(failure.message);
  const route = err instanceof LinkFailed ? "settings/link-error" : "oidc-error";
  return reply.redirect(`/#/${route}/${failure.code}/${message}`, 302);
}

const LOGOUT_BODY_LIMIT_BYTES = 32 * 1024;
const logoutBody = z.strictObject({
  logout_token: z
    .string()
    .min(1)
    .max(16 * 1024),
});
const loggedOut = z.strictObject({ sessions_ended: z.number() });

export async function registerOidcRoutes(
  root: FastifyInstance,
  oidc: OidcSignIn,
  logout: BackchannelLogout,
  device: OidcDeviceSignIn,
): Promise<void> {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const tags = ["auth"];

  // The provider posts a form: its own scope, so the parser serves this route only.
  await root.register(async (scope) => {
    scope.addContentTypeParser(
      "application/x-www-form-urlencoded",
      { parseAs: "string", bodyLimit: LOGOUT_BODY_LIMIT_BYTES },
      (_request, raw, done) => done(null, Object.fromEntries(new URLSearchParams(String(raw)))),
    );
    scope.withTypeProvider<ZodTypeProvider>().post(
      "/auth/oidc/:provider/backchannel-logout",
      {
        bodyLimit: LOGOUT_BODY_LIMIT_BYTES,
        schema: {
          summary: "A provider's back-channel logout: end a person's sessions from it",
          description:
            "Called by the OpenID Connect provider, not by people (OpenID Connect Back-Channel Logout 1.0): `logout_token` in an `application/x-www-form-urlencoded` body, a JWT signed with the provider's keys that names the person (`sub`). Their sessions signed in through this provider end on every node.",
          operationId: "oidcBackchannelLogout",
          tags,
          security: PUBLIC,
          params: providerParams,
          body: logoutBody,
          response: { 200: loggedOut },
          errors: [404, 503],
        },
      },
      async (request, reply) => {
        reply.header("cache-control", "no-store");
        const ended = await logout.logOut(request.params.provider, request.body.logout_token);
        return { sessions_ended: ended };
      },
    );
  });

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
        querystring: startQuery,
        response: { 302: empty("To the provider, or back to the web app") },
      },
    },
    async (request, reply) => {
      try {
        const forTerminal = request.query.for === "terminal";
        const url = await oidc.start(request.params.provider, clientOf(request), { forTerminal });
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
        const linkProof = parse(request.headers.cookie ?? "")[LINK_COOKIE] ?? "";
        // Used once, whatever comes of it.
        if (linkProof)
          reply.header(
            "set-cookie",
            serialize(LINK_COOKIE, "", { path: LINK_COOKIE_PATH, httpOnly: true, maxAge: 0 }),
          );
        const done = await oidc.callback(
          request.params.provider,
          query,
          clientOf(request),
          linkProof,
        );
        if (done.linked)
          return reply.redirect(`/#/settings/linked/${request.params.provider}`, 302);
        const route = done.forTerminal ? "oidc-terminal" : "oidc";
        return reply.redirect(`/#/${route}/${done.code}`, 302);
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

  app.post(
    "/auth/oidc/:provider/device",
    {
      schema: {
        summary: "Begin a device sign-in through an OpenID Connect provider (terminal client)",
        description:
          "Asks the provider for a user code (RFC 8628). The person opens `verification_uri` in any browser and enters `user_code`; the client then polls POST /auth/oidc/device/token with `device_id`. 404 when the provider offers no device sign-in: the client then shows the `start` address instead.",
        operationId: "oidcDeviceStart",
        tags,
        security: PUBLIC,
        params: providerParams,
        response: { 200: oidcDeviceStart },
        errors: [404, 503],
      },
    },
    async (request, reply) => {
      reply.header("cache-control", "no-store");
      return device.start(request.params.provider);
    },
  );

  app.post(
    "/auth/oidc/device/token",
    {
      schema: {
        summary: "Poll a device sign-in",
        description:
          "Takes about one and a half of the provider's intervals. 202 while the person has not said yes at the provider (poll again at once); 200 with the session once they have; 403 sign_in_refused when they said no; 401 sign_in_failed when the code expired or the handle is unknown.",
        operationId: "oidcDevicePoll",
        tags,
        security: PUBLIC,
        body: oidcDevicePollBody,
        response: { 200: authResponse, 202: oidcDevicePending },
        errors: [401, 403, 503],
      },
    },
    async (request, reply) => {
      reply.header("cache-control", "no-store");
      const answer = await device.poll(request.body.device_id, clientOf(request));
      return "pending" in answer ? reply.code(202).send(answer) : answer;
    },
  );
}
