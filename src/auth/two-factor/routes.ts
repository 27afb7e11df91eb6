/**
 * /api/v1/me/two-factor, /api/v1/me/passkeys (a person's own second factors, behind
 * sign-in) and /api/v1/auth/passkey (signing in with a passkey, public). Every change of
 * factors asks for the password again, like a new password does.
 */
import { authResponse, idParams } from "@private-chat/protocol/rest";
import {
  addPasskeyBody,
  confirmPasswordBody,
  factorAdded,
  passkeyAddedResponse,
  passkeyOptionsResponse,
  passkeySignInBody,
  recoveryCodesResponse,
  totpConfirmBody,
  totpEnrolment,
  twoFactorStatus,
} from "@private-chat/protocol/two-factor";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { empty, PUBLIC } from "../../http/openapi.js";
import { caller } from "../authenticate.js";
import { clientOf } from "../routes.js";
import type { AuthService } from "../service.js";
import type { TwoFactorService } from "./service.js";

/** Behind requireAuth. */
export function registerTwoFactorRoutes(
  root: FastifyInstance,
  twoFactor: TwoFactorService,
  auth: AuthService,
): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const tags = ["two-factor"];
  const done = empty("Done; nothing to return");
  /** The caller, once the password in the body is checked again (spending the throttle). */
  const passwordConfirmed = async (request: FastifyRequest & { body: { password: string } }) => {
    const signedIn = caller(request);
    await auth.confirmPassword(signedIn, request.body.password, clientOf(request));
    return signedIn;
  };

  app.get(
    "/me/two-factor",
    {
      schema: {
        summary: "The caller's second factors, and whether the server requires one",
        operationId: "getTwoFactor",
        tags,
        response: { 200: twoFactorStatus },
      },
    },
    async (request) => twoFactor.status(caller(request).user),
  );

  app.post(
    "/me/two-factor/totp",
    {
      schema: {
        summary: "Start setting up an authenticator app",
        description:
          "Answers a new secret and its otpauth:// URI (for a QR code). It signs in nothing until POST /me/two-factor/totp/confirm proves the app holds it.",
        operationId: "startTotp",
        tags,
        body: confirmPasswordBody,
        response: { 200: totpEnrolment },
        errors: [401, 409, 429],
      },
    },
    async (request) => {
      const signedIn = await passwordConfirmed(request);
      return twoFactor.startTotp(signedIn);
    },
  );

  app.post(
    "/me/two-factor/totp/confirm",
    {
      schema: {
        summary: "Finish setting up an authenticator app with a code it shows",
        description:
          "When this is the account's first factor, the answer holds its recovery codes, shown this once.",
        operationId: "confirmTotp",
        tags,
        body: totpConfirmBody,
        response: { 200: factorAdded },
        errors: [409, 422],
      },
    },
    async (request) => twoFactor.confirmTotp(caller(request), request.body.code),
  );

  app.delete(
    "/me/two-factor/totp",
    {
      schema: {
        summary: "Remove the authenticator app",
        operationId: "removeTotp",
        tags,
        body: confirmPasswordBody,
        response: { 204: done },
        errors: [401, 404, 429],
      },
    },
    async (request, reply) => {
      const signedIn = await passwordConfirmed(request);
      await twoFactor.removeTotp(signedIn);
      reply.code(204);
    },
  );

  app.post(
    "/me/two-factor/recovery-codes",
    {
      schema: {
        summary: "Replace the recovery codes with new ones",
        operationId: "renewRecoveryCodes",
        tags,
        body: confirmPasswordBody,
        response: { 200: recoveryCodesResponse },
        errors: [401, 409, 429],
      },
    },
    async (request) => {
      const signedIn = await passwordConfirmed(request);
      return { recovery_codes: await twoFactor.renewRecoveryCodes(signedIn) };
    },
  );

  app.post(
    "/me/passkeys/options",
    {
      schema: {
        summary: "Options for making a passkey (navigator.credentials.create)",
        operationId: "passkeyRegistrationOptions",
        tags,
        body: confirmPasswordBody,
        response: { 200: passkeyOptionsResponse },
        errors: [401, 409, 429],
      },
    },
    async (request) => {
      const signedIn = await passwordConfirmed(request);
      return { options: await twoFactor.passkeyOptions(signedIn, clientOf(request)) };
    },
  );

  app.post(
    "/me/passkeys",
    {
      schema: {
        summary: "Add a passkey with the browser's answer to the options",
        operationId: "addPasskey",
        tags,
        body: addPasskeyBody,
        response: { 201: passkeyAddedResponse },
        errors: [409, 422],
      },
    },
    async (request, reply) => {
      const added = await twoFactor.addPasskey(caller(request), request.body, clientOf(request));
      reply.code(201);
      return added;
    },
  );

  app.delete(
    "/me/passkeys/:id",
    {
      schema: {
        summary: "Remove a passkey",
        operationId: "removePasskey",
        tags,
        params: idParams,
        body: confirmPasswordBody,
        response: { 204: done },
        errors: [401, 404, 429],
      },
    },
    async (request, reply) => {
      const signedIn = await passwordConfirmed(request);
      await twoFactor.removePasskey(signedIn, request.params.id);
      reply.code(204);
    },
  );
}

/** Public: signing in with a passkey, alone or as the second factor of a password. */
export function registerPasskeySignInRoutes(
  root: FastifyInstance,
  twoFactor: TwoFactorService,
  auth: AuthService,
): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const tags = ["auth"];

  app.post(
    "/auth/passkey/options",
    {
      schema: {
        summary: "Options for signing in with a passkey (navigator.credentials.get)",
        description:
          "The challenge is good for one answer within five minutes: to POST /auth/passkey, or as `passkey` of POST /auth/login.",
        operationId: "passkeySignInOptions",
        tags,
        security: PUBLIC,
        response: { 200: passkeyOptionsResponse },
      },
    },
    async (request) => ({ options: await twoFactor.signInOptions(clientOf(request)) }),
  );

  app.post(
    "/auth/passkey",
    {
      schema: {
        summary: "Sign in with a passkey alone",
        operationId: "passkeySignIn",
        tags,
        security: PUBLIC,
        body: passkeySignInBody,
        response: { 200: authResponse },
        errors: [401, 403, 429],
      },
    },
    async (request) => auth.passkeySignIn(request.body.passkey, clientOf(request)),
  );
}
