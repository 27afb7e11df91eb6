/**
 * OpenID Connect back-channel logout: a provider tells the server, server to server,
 * that a person signed out there (or was removed). The logout token is a JWT signed with
 * the provider's published keys, checked by jose against the rules of the specification
 * (issuer, audience, freshness, the logout event, no nonce); the person's sessions that
 * came through that provider end at once, on every node (their sockets close).
 */
import { createRemoteJWKSet, type JWTPayload, jwtVerify } from "jose";
import { AppError } from "../errors.js";
import type { DomainEvents } from "../events/bus.js";
import type { Store } from "../storage/store.js";
import type { OidcProvider, OidcProviders } from "./providers.js";

const LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout";

function invalid(message: string): AppError {
  return new AppError("invalid_request", `not a valid logout token: ${message}`);
}

export class BackchannelLogout {
  private readonly keySets = new Map<string, ReturnType<typeof createRemoteJWKSet>>();

  constructor(
    private readonly deps: { store: Store; providers: OidcProviders; events: DomainEvents },
  ) {}

  private async keysOf(provider: OidcProvider) {
    const metadata = (await provider.configuration()).serverMetadata();
    if (!metadata.jwks_uri) throw invalid(`${provider.config.name} publishes no keys`);
    let keys = this.keySets.get(provider.key);
    if (!keys) {
      keys = createRemoteJWKSet(new URL(metadata.jwks_uri));
      this.keySets.set(provider.key, keys);
    }
    return { keys, issuer: metadata.issuer };
  }

  /** Ends the sessions the token names; returns how many. */
  async logOut(providerId: string, token: string): Promise<number> {
    const provider = this.deps.providers.get(providerId);
    const { keys, issuer } = await this.keysOf(provider);
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        issuer,
        audience: provider.config.client_id,
        maxTokenAge: "5 minutes",
        requiredClaims: ["iat", "jti", "events"],
      }));
    } catch (err) {
      throw invalid((err as Error).message);
    }
    const events = payload.events as Record<string, unknown> | undefined;
    if (typeof events?.[LOGOUT_EVENT] !== "object") throw invalid("it carries no logout event");
    if (payload.nonce !== undefined) throw invalid("it has a nonce, as an ID token does");
    if (typeof payload.sub !== "string")
      throw invalid("it names no subject (sub); this server ends a person's sessions by it");
    const userId = await this.deps.store.externalIdentities.userOf(provider.key, payload.sub);
    if (!userId) return 0;
    const ended = await this.deps.store.sessions.revokeByMethod(userId, provider.key, Date.now());
    if (ended.length > 0) this.deps.events.emit("sessions.revoked", { userId, sessionIds: ended });
    return ended.length;
  }
}
