/**
 * Linking an existing account to a provider, from Settings: the person confirms their
 * password, signs in at the provider, and its subject is linked to their account (never
 * one already linked to another account, never a second subject of the same provider).
 * From then on they may sign in either way — or through the provider only, when it has
 * `disable_local_password`, so that leaving the organisation ends their access here too.
 */
import { randomBytes } from "node:crypto";
import type { ProviderLinkView } from "@private-chat/protocol/sign-in-providers";
import { hashSecret } from "../auth/access-tokens.js";
import type { Authenticated, ClientContext } from "../auth/service.js";
import { AppError, notFound } from "../errors.js";
import type { Store } from "../storage/store.js";
import type { User } from "../storage/users.js";
import { admit, type Claims, followAdminGroup, identityOf } from "./accounts.js";
import type { OidcProvider, OidcProviders } from "./providers.js";
import type { OidcSignIn } from "./sign-in.js";

/** The provider sign-in started from Settings ends here: its subject linked to `userId`. */
export async function linkAccount(
  store: Store,
  provider: OidcProvider,
  claims: Claims,
  userId: string,
): Promise<User> {
  const { config } = provider;
  const admin = admit(config, claims);
  const now = Date.now();
  await store.transaction(async (tx) => {
    const user = await tx.users.byId(userId);
    if (!user || user.deletedAt !== null || user.disabled)
      throw new AppError("session_revoked", "this account is gone or disabled; sign in again");
    const holder = await tx.externalIdentities.userOf(provider.key, claims.sub);
    if (holder === userId) return;
    if (holder)
      throw new AppError(
        "conflict",
        `this ${config.name} account is linked to another account here`,
      );
    if (await hasLink(tx, userId, provider.key))
      throw new AppError(
        "conflict",
        `your account is linked to another ${config.name} account; unlink it in Settings first`,
      );
    if (
      !(await tx.externalIdentities.link({
        ...identityOf(provider, claims),
        userId,
        createdAt: now,
      }))
    )
      throw new AppError("conflict", "this link was made twice at once; try again");
    await tx.audit.append({
      actor: { id: userId, label: user.username },
      action: "user.provider_linked",
      targetType: "user",
      targetId: userId,
      details: { provider: config.id },
      now,
    });
  });
  return followAdminGroup(store, provider, userId, admin);
}

/** Whether the account is linked to the provider `key` already (one link per provider). */
async function hasLink(
  repos: Pick<Store, "externalIdentities">,
  userId: string,
  key: string,
): Promise<boolean> {
  return (await repos.externalIdentities.ofUser(userId)).some((i) => i.provider === key);
}

/**
 * The cookie that ties a link to the browser that asked for it: sent back with the
 * provider's redirect to the callback (SameSite=Lax lets a top-level navigation carry it).
 */
export const LINK_COOKIE = "pc_provider_link";
export const LINK_COOKIE_PATH = "/api/v1/auth/oidc/";

export class ProviderLinks {
  constructor(
    private readonly deps: { store: Store; providers: OidcProviders; signIn: OidcSignIn },
  ) {}

  async list(userId: string): Promise<ProviderLinkView[]> {
    const linked = new Set(
      (await this.deps.store.externalIdentities.ofUser(userId)).map((i) => i.provider),
    );
    return this.deps.providers.list().map(({ id, name }) => {
      const provider = this.deps.providers.get(id);
      return {
        id,
        name,
        linked: linked.has(provider.key),
        provider_only: provider.config.disable_local_password,
      };
    });
  }

  /**
   * Where the browser goes to link the caller (whose password the route checked), and
   * the value for LINK_COOKIE: the link is made only where it comes back.
   */
  async start(
    auth: Authenticated,
    providerId: string,
    client: ClientContext,
  ): Promise<{ url: URL; proof: string }> {
    const provider = this.deps.providers.get(providerId);
    if (await hasLink(this.deps.store, auth.user.id, provider.key))
      throw new AppError("conflict", `your account is linked to ${provider.config.name} already`);
    const proof = randomBytes(32).toString("base64url");
    const url = await this.deps.signIn.start(providerId, client, {
      linkUserId: auth.user.id,
      linkBinding: hashSecret(proof),
    });
    return { url, proof };
  }

  async unlink(auth: Authenticated, providerId: string): Promise<void> {
    const provider = this.deps.providers.get(providerId);
    await this.deps.store.transaction(async (tx) => {
      if (!(await tx.externalIdentities.unlink(provider.key, auth.user.id)))
        throw notFound("link to this provider");
      await tx.audit.append({
        actor: { id: auth.user.id, label: auth.user.username },
        action: "user.provider_unlinked",
        targetType: "user",
        targetId: auth.user.id,
        details: { provider: provider.config.id },
        now: Date.now(),
      });
    });
  }
}

/**
 * The name of the provider the account must sign in through (one of its links has
 * `disable_local_password`), or undefined when a password (or a passkey) may do.
 */
export async function providerOnly(
  store: Store,
  providers: OidcProviders,
  userId: string,
): Promise<string | undefined> {
  // Asked at every password sign-in: without such a provider there is nothing to read.
  const strict = providers
    .list()
    .filter(({ id }) => providers.get(id).config.disable_local_password);
  if (strict.length === 0) return undefined;
  const keys = new Set((await store.externalIdentities.ofUser(userId)).map((i) => i.provider));
  return strict.find(({ id }) => keys.has(providers.get(id).key))?.name;
}
