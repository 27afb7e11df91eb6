/**
 * The `requireAuth` hook (run before the body is parsed, after the rate limit): reads
 * `Authorization: Bearer <JWT or access token>`, attaches the caller's user and session to
 * the request, and refuses an access token outside its scopes.
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import { AppError } from "../errors.js";
import { allows, type RouteScope, scopeOfRoute } from "./route-scopes.js";
import type { Authenticated, AuthService } from "./service.js";
import { ENROLMENT_ROUTES } from "./two-factor/policy.js";

declare module "fastify" {
  interface FastifyRequest {
    auth?: Authenticated;
  }
}

export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1];
}

export function requireAuth(auth: AuthService) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const token = bearerToken(request.headers.authorization);
    if (!token)
      throw new AppError("unauthorized", "send an access token as 'Authorization: Bearer <token>'");
    request.auth = await auth.authenticate(token);
    checkScope(request.auth, scopeOfRoute(request.method, request.routeOptions.url));
    if (
      request.auth.enrolmentDue &&
      !ENROLMENT_ROUTES.has(`${request.method} ${request.routeOptions.url}`)
    )
      throw enrolmentRequired();
  };
}

export function enrolmentRequired(): AppError {
  return new AppError(
    "second_factor_enrolment_required",
    "this server requires a second factor: set up an authenticator app or a passkey first",
  );
}

/** Refuses a token whose scopes do not cover what the route needs (see route-scopes.ts). */
export function checkScope(authenticated: Authenticated, needed: RouteScope | undefined): void {
  const scopes = authenticated.session.scopes;
  if (allows(scopes, needed)) return;
  throw new AppError(
    "insufficient_scope",
    needed === undefined || needed === "sign-in"
      ? "an access token cannot do this; sign in instead"
      : `this access token lacks the ${needed} scope`,
  );
}

/** The authenticated caller; only valid on routes behind requireAuth. */
export function caller(request: FastifyRequest): Authenticated {
  if (!request.auth) throw new AppError("unauthorized", "a valid access token is required");
  return request.auth;
}
