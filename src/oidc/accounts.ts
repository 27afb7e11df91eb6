/**
 * The account an OpenID Connect sign-in is for: found by the provider's subject (`sub`),
 * never by a username or an e-mail address, which change hands; made just in time when
 * the provider allows it (`auto_create`), with the name its `username_claim` gives. An
 * account of that name that is not linked is never taken over. Membership of
 * `access_group` lets a person in; of `admin_group`, makes them an administrator (and
 * its loss, no longer one), each change audited.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { USERNAME_PATTERN } from "@private-chat/protocol/rest";
import * as client from "openid-client";
import { hashPassword } from "../auth/passwords.js";
import { lockAdminChanges } from "../auth/recheck.js";
import type { OidcProviderConfig } from "../config/schema.js";
import { AppError } from "../errors.js";
import type { Store } from "../storage/store.js";
import { type User, withoutHash } from "../storage/users.js";
import { storedDisplayName } from "../users/display-name.js";
import type { OidcProvider } from "./providers.js";

export type Claims = client.IDToken & Record<string, unknown>;

/**
 * The ID token's claims, with the userinfo endpoint's for those it lacks: many providers
 * put the profile and the groups only there.
 */
export async function withUserInfo(
  configuration: client.Configuration,
  config: OidcProviderConfig,
  idToken: client.IDToken,
  accessToken: string,
): Promise<Claims> {
  const wanted = [config.username_claim, config.display_name_claim, config.groups_claim];
  const missing = wanted.some((claim) => claim !== "" && idToken[claim] === undefined);
  if (!missing || !configuration.serverMetadata().userinfo_endpoint) return idToken;
  const info = await client.fetchUserInfo(configuration, accessToken, idToken.sub);
  return { ...info, ...idToken };
}

export function groupsOf(claims: Record<string, unknown>, claim: string): string[] {
  if (!claim) return [];
  const value = claims[claim];
  if (Array.isArray(value)) return value.filter((g): g is string => typeof g === "string");
  return typeof value === "string" ? [value] : [];
}

/** A verified e-mail address at one of the domains (letter case aside). */
function inDomains(claims: Claims, domains: string[]): boolean {
  const email = claims.email;
  if (typeof email !== "string" || claims.email_verified !== true) return false;
  const domain = email.slice(email.lastIndexOf("@") + 1).toLowerCase();
  return domains.some((d) => d.toLowerCase() === domain);
}

/**
 * The username a claim gives: as it is, or for an e-mail address or a user principal
 * name (Entra ID's preferred_username), the part before the "@".
 */
export function usernameOf(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  const name = value.includes("@") ? value.slice(0, value.lastIndexOf("@")) : value;
  return USERNAME_PATTERN.test(name) ? name : undefined;
}

function refused(message: string): AppError {
  return new AppError("sign_in_refused", message);
}

/**
 * Whether the provider's say lets this person in here (`access_group`, `email_domains`):
 * throws `sign_in_refused` if not; answers whether `admin_group` makes them an
 * administrator (undefined without one).
 */
export function admit(config: OidcProviderConfig, claims: Claims): boolean | undefined {
  const groups = groupsOf(claims, config.groups_claim);
  if (config.access_group && !groups.includes(config.access_group)) {
    throw refused(
      `your account at ${config.name} is not in the group that may use this server; ask an administrator`,
    );
  }
  if (config.email_domains.length > 0 && !inDomains(claims, config.email_domains)) {
    throw refused(
      `your ${config.name} account's e-mail address is not at a domain this server lets in; ask an administrator`,
    );
  }
  return config.admin_group ? groups.includes(config.admin_group) : undefined;
}

export async function accountFor(
  store: Store,
  provider: OidcProvider,
  claims: Claims,
): Promise<User> {
  const { config } = provider;
  const admin = admit(config, claims);
  const linked = await store.externalIdentities.userOf(provider.key, claims.sub);
  if (linked) return followAdminGroup(store, provider, linked, admin);
  if (!config.auto_create) {
    throw refused(
      `there is no account here for your ${config.name} account yet: sign in with your password and link it in Settings, or ask an administrator`,
    );
  }
  return created(store, provider, claims, admin === true);
}

async function created(
  store: Store,
  provider: OidcProvider,
  claims: Claims,
  admin: boolean,
): Promise<User> {
  const { config } = provider;
  const username = usernameOf(claims[config.username_claim]);
  if (username === undefined) {
    throw refused(
      `${config.name} gives no usable username (claim ${config.username_claim}: 3 to 32 characters of a-z, 0-9, '_', '.' and '-'); ask an administrator`,
    );
  }
  const shown = claims[config.display_name_claim];
  const displayName = storedDisplayName(typeof shown === "string" ? shown : undefined, username);
  return createLinkedAccount(store, {
    username,
    displayName,
    admin,
    identity: identityOf(provider, claims),
    source: { label: provider.key, name: config.name },
    details: { provider: config.id },
  });
}

/**
 * An account made for a person an outside source (a provider, the directory) vouched for,
 * linked to them by `identity`, in one transaction with its audit entry. A local account of
 * the same name is never taken over: `username_taken`.
 */
export async function createLinkedAccount(
  store: Store,
  account: {
    username: string;
    displayName: string;
    admin: boolean;
    identity: { provider: string; subject: string };
    /** The audit log's actor, and the source's name in the refusal. */
    source: { label: string; name: string };
    details: Record<string, unknown>;
  },
): Promise<User> {
  const { username, displayName, admin, identity, source } = account;
  // No password: this account signs in through its source (an administrator may give
  // it one with reset-password).
  const passwordHash = await hashPassword(randomBytes(32).toString("base64url"));
  const now = Date.now();
  return store.transaction(async (tx) => {
    if (await tx.users.byUsername(username)) {
      throw new AppError(
        "username_taken",
        `an account named "${username}" exists here and is not linked to ${source.name}; ask an administrator`,
      );
    }
    const user = await tx.users.create({
      id: randomUUID(),
      username,
      displayName,
      passwordHash,
      admin,
      now,
    });
    if (!(await tx.externalIdentities.link({ ...identity, userId: user.id, createdAt: now })))
      throw new AppError("conflict", "this sign-in was finished twice at once; sign in again");
    await tx.audit.append({
      actor: { id: null, label: source.label },
      action: "user.create",
      targetType: "user",
      targetId: user.id,
      details: { username, admin, ...account.details },
      now,
    });
    return user;
  });
}

export function identityOf(provider: OidcProvider, claims: Claims) {
  return { provider: provider.key, subject: claims.sub };
}

/** Who follows an admin group: an OpenID Connect provider, or the directory ("ldap"). */
export interface GroupSource {
  key: string;
  config: { id: string };
}

/**
 * The linked account, made an administrator or not as `admin_group` now says (at each
 * sign-in, and at each periodic check).
 */
export async function followAdminGroup(
  store: Store,
  provider: GroupSource,
  userId: string,
  admin: boolean | undefined,
): Promise<User> {
  const found = await store.users.byId(userId);
  if (!found || found.deletedAt !== null)
    throw new AppError("session_revoked", "this account was deleted; sign in again");
  if (admin === undefined || admin === found.isAdmin || found.disabled) return withoutHash(found);
  return store.transaction(async (tx) => {
    await lockAdminChanges(tx);
    // The provider never takes away the last administrator who can sign in.
    if (!admin && (await tx.users.activeAdminCount()) <= 1) return withoutHash(found);
    await tx.users.setAdmin(userId, admin);
    await tx.audit.append({
      actor: { id: null, label: provider.key },
      action: admin ? "user.promote" : "user.demote",
      targetType: "user",
      targetId: userId,
      details: { username: found.username, provider: provider.config.id },
      now: Date.now(),
    });
    return { ...withoutHash(found), isAdmin: admin };
  });
}
