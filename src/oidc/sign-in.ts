/**
 * Signing in through an OpenID Connect provider: the authorization code flow with PKCE,
 * `state` and `nonce`, the ID token checked by openid-client. A finished sign-in is a
 * session like any other; the browser gets it through a one-time code in the URL's
 * fragment (never sent to a server or written to a log), which the web app exchanges for
 * the token.
 *
 * The redirect URI to register at the provider is
 * `<[server] public_url>/api/v1/auth/oidc/<id>/callback`.
 */
import { randomBytes } from "node:crypto";
import type { AuthResponse } from "@private-chat/protocol/rest";
import * as client from "openid-client";
import { hashSecret } from "../auth/access-tokens.js";
import { publicOrigin } from "../auth/public-origin.js";
import type { AuthService, ClientContext } from "../auth/service.js";
import { AppError } from "../errors.js";
import type { GroupLinkService } from "../group-links/service.js";
import type { PendingOidcSignIn } from "../storage/oidc-sign-ins.js";
import type { Store } from "../storage/store.js";
import type { User } from "../storage/users.js";
import { accountFor, type Claims, groupsOf, withUserInfo } from "./accounts.js";
import { linkAccount } from "./links.js";
import type { OidcProvider, OidcProviders } from "./providers.js";
import type { Seal } from "./seal.js";

const SIGN_IN_TTL_MS = 10 * 60 * 1000;
// Long enough to copy a code from the browser into a terminal.
const HANDOFF_TTL_MS = 5 * 60 * 1000;

export interface OidcSignInDeps {
  store: Store;
  providers: OidcProviders;
  auth: AuthService;
  /** `[server] public_url`, or "" to use the address each request came to. */
  publicUrl: string;
  /** Seals the provider's refresh token, kept for the periodic check. */
  seal: Seal;
  /** Applies the person's groups to the conversations linked to them. */
  groupLinks: GroupLinkService;
}

/** A sign-in started from Settings to link an account failed; `cause` says why. */
export class LinkFailed extends Error {
  constructor(cause: unknown) {
    super("linking the account failed", { cause });
  }
}

export function failed(message: string): AppError {
  return new AppError("sign_in_failed", message);
}

/** The provider's own "no" (`error` in its answer): a refusal, or a failed sign-in. */
export function providerRefusal(
  provider: OidcProvider,
  error: string,
  description: string | undefined,
): AppError {
  const described = (description ?? error).slice(0, 200);
  return error === "access_denied"
    ? new AppError("sign_in_refused", `${provider.config.name} said no: ${described}`)
    : failed(`${provider.config.name} could not sign you in: ${described}`);
}

function doesNotCheckOut(provider: OidcProvider, err: unknown): AppError {
  return failed(`${provider.config.name}'s answer does not check out: ${(err as Error).message}`);
}

/** The person's claims from the provider's tokens (already checked by openid-client). */
export async function claimsOf(
  provider: OidcProvider,
  configuration: client.Configuration,
  tokens: client.TokenEndpointResponse & client.TokenEndpointResponseHelpers,
): Promise<Claims> {
  try {
    const idToken = tokens.claims();
    if (!idToken) throw new Error("no ID token");
    return await withUserInfo(configuration, provider.config, idToken, tokens.access_token);
  } catch (err) {
    throw doesNotCheckOut(provider, err);
  }
}

export class OidcSignIn {
  constructor(private readonly deps: OidcSignInDeps) {}

  get providers(): OidcProviders {
    return this.deps.providers;
  }

  private callbackUrl(id: string, client: ClientContext): string {
    return `${publicOrigin(this.deps.publicUrl, client)}/api/v1/auth/oidc/${id}/callback`;
  }

  /**
   * Where to send the browser to sign in at the provider: for the web app, for the
   * terminal client (`forTerminal`), or to link the account `linkUserId` to it from the
   * browser holding the cookie whose SHA-256 is `linkBinding`.
   */
  async start(
    id: string,
    caller: ClientContext,
    purpose: { forTerminal?: boolean; linkUserId?: string; linkBinding?: string } = {},
  ): Promise<URL> {
    const provider = this.deps.providers.get(id);
    const configuration = await provider.configuration();
    const codeVerifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const now = Date.now();
    await this.deps.store.oidcSignIns.start(
      state,
      {
        provider: id,
        codeVerifier,
        nonce,
        forTerminal: purpose.forTerminal === true,
        linkUserId: purpose.linkUserId ?? null,
        linkBinding: purpose.linkBinding ?? null,
      },
      now + SIGN_IN_TTL_MS,
      now,
    );
    return client.buildAuthorizationUrl(configuration, {
      redirect_uri: this.callbackUrl(id, caller),
      scope: provider.config.scopes.join(" "),
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: "S256",
      state,
      nonce,
    });
  }

  /**
   * The provider's answer: checked (state taken once, code exchanged with the PKCE
   * verifier, ID token's signature, issuer, audience, expiry and nonce), then the
   * account found or made and a session started. Returns the one-time code, and whether
   * the terminal client waits for it — or, for a sign-in started from Settings to link an
   * account, that it was linked (no new session).
   */
  async callback(
    id: string,
    query: URLSearchParams,
    caller: ClientContext,
    /** The link cookie the browser sent back, if any. */
    linkProof = "",
  ): Promise<{ linked: true } | { linked: false; code: string; forTerminal: boolean }> {
    const provider = this.deps.providers.get(id);
    const now = Date.now();
    const state = query.get("state") ?? "";
    const pending = state ? await this.deps.store.oidcSignIns.take(state, now) : undefined;
    if (!pending || pending.provider !== id)
      throw failed("this sign-in is unknown, used already or too old; start again");
    try {
      // A link made in another browser (a provider URL passed to someone else) would tie
      // their provider account to the account that started it.
      if (pending.linkUserId && hashSecret(linkProof) !== pending.linkBinding)
        throw failed("this link was started in another browser; start it again from Settings");
      return await this.answered(provider, pending, query, caller, now);
    } catch (err) {
      // Started from Settings: the failure is told there, to the person signed in.
      throw pending.linkUserId ? new LinkFailed(err) : err;
    }
  }

  private async answered(
    provider: OidcProvider,
    pending: PendingOidcSignIn,
    query: URLSearchParams,
    caller: ClientContext,
    now: number,
  ): Promise<{ linked: true } | { linked: false; code: string; forTerminal: boolean }> {
    const { id } = provider.config;
    const state = query.get("state") ?? "";
    const error = query.get("error");
    if (error) throw providerRefusal(provider, error, query.get("error_description") ?? undefined);
    const configuration = await provider.configuration();
    const currentUrl = new URL(`${this.callbackUrl(id, caller)}?${query.toString()}`);
    let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
    try {
      tokens = await client.authorizationCodeGrant(configuration, currentUrl, {
        pkceCodeVerifier: pending.codeVerifier,
        expectedState: state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
    } catch (err) {
      throw doesNotCheckOut(provider, err);
    }
    const claims = await claimsOf(provider, configuration, tokens);
    const user = await this.signedIn(
      provider,
      claims,
      tokens.refresh_token,
      now,
      pending.linkUserId,
    );
    if (pending.linkUserId) return { linked: true };
    const session = await this.deps.auth.startSession(user, caller, provider.key);
    const code = randomBytes(32).toString("base64url");
    await this.deps.store.oidcSignIns.handOff(
      hashSecret(code),
      session.id,
      now + HANDOFF_TTL_MS,
      now,
    );
    return { linked: false, code, forTerminal: pending.forTerminal };
  }

  /**
   * The account of a person the provider vouched for (its tokens checked already): found,
   * made (`auto_create`) or, from Settings, linked; refused when disabled. The refresh
   * token is kept for the periodic check, and the groups applied to linked conversations.
   */
  async signedIn(
    provider: OidcProvider,
    claims: Claims,
    refreshToken: string | undefined,
    now: number,
    linkUserId: string | null = null,
  ): Promise<User> {
    const user = linkUserId
      ? await linkAccount(this.deps.store, provider, claims, linkUserId)
      : await accountFor(this.deps.store, provider, claims);
    if (user.disabled)
      throw new AppError("account_disabled", "this account is disabled; ask an administrator");
    // Kept for the periodic check that the provider still knows the person.
    await this.deps.store.externalIdentities.setRefreshToken(
      provider.key,
      claims.sub,
      refreshToken ? await this.deps.seal.seal(refreshToken) : null,
      now,
    );
    if (provider.config.groups_claim)
      await this.deps.groupLinks.apply(
        provider.key,
        user,
        groupsOf(claims, provider.config.groups_claim),
      );
    return user;
  }

  /** The token of the session a one-time code hands over. */
  async exchange(code: string): Promise<AuthResponse> {
    const now = Date.now();
    const sessionId = await this.deps.store.oidcSignIns.takeHandoff(hashSecret(code), now);
    const session = sessionId ? await this.deps.store.sessions.byId(sessionId) : undefined;
    if (!session)
      throw failed("this sign-in code is unknown, used already or too old; sign in again");
    const live = await this.deps.auth.sessionOf(session.userId, session.id);
    return this.deps.auth.tokenFor(live.user, live.session);
  }
}
