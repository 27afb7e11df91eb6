/**
 * The account a directory entry is for: found by the entry's stable id (`id_attribute`,
 * entryUUID or objectGUID) in external_identities under the provider "ldap", never by its
 * username, which can be given to someone else; made just in time with `auto_create`. An
 * account of the same name that is not linked is never taken over. Membership of
 * `access_group` lets a person in; of `admin_group`, makes them an administrator (and
 * leaving it, no longer one); the display name follows the directory's. Each change is
 * audited as done by "ldap".
 */
import { USERNAME_PATTERN } from "@private-chat/protocol/rest";
import type { LdapConfig } from "../config/schema.js";
import { AppError } from "../errors.js";
import { createLinkedAccount, followAdminGroup } from "../oidc/accounts.js";
import type { Store } from "../storage/store.js";
import type { User } from "../storage/users.js";
import { MAX_DISPLAY_NAME, storedDisplayName } from "../users/display-name.js";
import { type DirectoryEntry, normaliseDn } from "./directory.js";

/** The directory's name in external_identities, group links, sessions and the audit log. */
export const LDAP_SOURCE = "ldap";
const SOURCE = { key: LDAP_SOURCE, config: { id: LDAP_SOURCE } };
const ACTOR = { id: null, label: LDAP_SOURCE };

/** Whether the entry is in `access_group` (always, without one). */
export function inAccessGroup(config: LdapConfig, entry: DirectoryEntry): boolean {
  return config.access_group === "" || entry.groups.includes(normaliseDn(config.access_group));
}

/** What `admin_group` says of the entry: undefined without one. */
export function adminByGroup(config: LdapConfig, entry: DirectoryEntry): boolean | undefined {
  return config.admin_group === ""
    ? undefined
    : entry.groups.includes(normaliseDn(config.admin_group));
}

/** The directory's display name as this server stores names (the username when unusable). */
function displayNameOf(entry: DirectoryEntry, username: string): string {
  try {
    return storedDisplayName(entry.displayName?.slice(0, MAX_DISPLAY_NAME), username);
  } catch {
    return username;
  }
}

/** The account of a person the directory just signed in; throws `sign_in_refused` if none may be. */
export async function accountFor(
  store: Store,
  config: LdapConfig,
  entry: DirectoryEntry,
): Promise<User> {
  if (!inAccessGroup(config, entry))
    throw new AppError(
      "sign_in_refused",
      "your directory account is not in the group that may use this server; ask an administrator",
    );
  const admin = adminByGroup(config, entry);
  const linked = await store.externalIdentities.userOf(LDAP_SOURCE, entry.id);
  if (linked) return followDirectory(store, config, linked, entry);
  if (!config.auto_create)
    throw new AppError(
      "sign_in_refused",
      "there is no account here for your directory account yet; ask an administrator",
    );
  return created(store, entry, admin === true);
}

async function created(store: Store, entry: DirectoryEntry, admin: boolean): Promise<User> {
  const username = entry.username.toLowerCase();
  if (!USERNAME_PATTERN.test(username))
    throw new AppError(
      "sign_in_refused",
      `the directory's username "${username.slice(0, 64)}" cannot be used here (3 to 32 characters of a-z, 0-9, '_', '.' and '-'); ask an administrator`,
    );
  return createLinkedAccount(store, {
    username,
    displayName: displayNameOf(entry, username),
    admin,
    identity: { provider: LDAP_SOURCE, subject: entry.id },
    source: { label: LDAP_SOURCE, name: "the directory" },
    details: { provider: LDAP_SOURCE, dn: entry.dn },
  });
}

/**
 * The linked account brought in step with its entry: made an administrator or not as
 * `admin_group` says, its display name the directory's (audited when it changes).
 */
export async function followDirectory(
  store: Store,
  config: LdapConfig,
  userId: string,
  entry: DirectoryEntry,
): Promise<User> {
  const user = await followAdminGroup(store, SOURCE, userId, adminByGroup(config, entry));
  const displayName = displayNameOf(entry, user.username);
  if (displayName === user.displayName) return user;
  await store.transaction(async (tx) => {
    await tx.users.setDisplayName(userId, displayName);
    await tx.audit.append({
      actor: ACTOR,
      action: "user.display_name",
      targetType: "user",
      targetId: userId,
      details: { username: user.username, from: user.displayName, to: displayName },
      now: Date.now(),
    });
  });
  return { ...user, displayName };
}

/**
 * The entry's groups as the links name them, for GroupLinkService.apply: a link's group
 * is a DN an administrator wrote, matched whatever its letter case or spacing.
 */
export async function linkedGroups(store: Store, entry: DirectoryEntry): Promise<string[]> {
  const links = await store.groupLinks.ofSource(LDAP_SOURCE);
  return links.map((l) => l.group).filter((g) => entry.groups.includes(normaliseDn(g)));
}
