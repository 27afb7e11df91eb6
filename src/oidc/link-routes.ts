/**
 * /api/v1/me/sign-in-providers: the caller's links to the server's OpenID Connect
 * providers (behind sign-in). Linking and unlinking ask for the password again, so a
 * session left open cannot tie the account to someone else's provider account.
 */

import { providerLinkStart, providerLinksResponse } from "@private-chat/protocol/sign-in-providers";
import { confirmPasswordBody } from "@private-chat/protocol/two-factor";
import { serialize } from "cookie";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { caller } from "../auth/authenticate.js";
import { clientOf } from "../auth/routes.js";
import type { AuthService } from "../auth/service.js";
import { empty } from "../http/openapi.js";
import { LINK_COOKIE, LINK_COOKIE_PATH, type ProviderLinks } from "./links.js";

const providerParams = z.strictObject({ provider: z.string().max(64) });

export function registerProviderLinkRoutes(
  root: FastifyInstance,
  links: ProviderLinks,
  auth: AuthService,
): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const tags = ["auth"];

  app.get(
    "/me/sign-in-providers",
    {
      schema: {
        summary: "The server's sign-in providers, and which this account is linked to",
        operationId: "listProviderLinks",
        tags,
        response: { 200: providerLinksResponse },
      },
    },
    async (request) => ({ providers: await links.list(caller(request).user.id) }),
  );

  app.post(
    "/me/sign-in-providers/:provider/link",
    {
      schema: {
        summary: "Start linking this account to a sign-in provider",
        description:
          "Answers the provider's sign-in page for the browser to open; once the person signs in there, the provider's account is linked to this one and the browser comes back to the web app's Settings (#/settings/linked/<id>, or #/settings/link-error/<code>/<message>).",
        operationId: "startProviderLink",
        tags,
        params: providerParams,
        body: confirmPasswordBody,
        response: { 200: providerLinkStart },
        errors: [401, 404, 409, 429, 503],
      },
    },
    async (request, reply) => {
      const signedIn = caller(request);
      await auth.confirmPassword(signedIn, request.body.password, clientOf(request));
      const { url, proof } = await links.start(
        signedIn,
        request.params.provider,
        clientOf(request),
      );
      reply.header(
        "set-cookie",
        serialize(LINK_COOKIE, proof, {
          path: LINK_COOKIE_PATH,
          httpOnly: true,
          sameSite: "lax",
          secure: request.protocol === "https",
          maxAge: 600,
        }),
      );
      return { url: url.href };
    },
  );

  app.delete(
    "/me/sign-in-providers/:provider",
    {
      schema: {
        summary: "Unlink this account from a sign-in provider",
        operationId: "removeProviderLink",
        tags,
        params: providerParams,
        body: confirmPasswordBody,
        response: { 204: empty("Unlinked") },
        errors: [401, 404, 429],
      },
    },
    async (request, reply) => {
      const signedIn = caller(request);
      await auth.confirmPassword(signedIn, request.body.password, clientOf(request));
      await links.unlink(signedIn, request.params.provider);
      reply.code(204);
    },
  );
}
