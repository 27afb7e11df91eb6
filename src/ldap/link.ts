/**
 * Linking an existing account to its directory entry, by the operator at the command
 * line (`chat-server user link-directory`): for servers that had local accounts before
 * `[ldap]`, whose people the directory sign-in never takes over on its own. The entry
 * is the one whose `username_attribute` is the account's username; from then on the
 * account signs in with its directory password and is followed by the sync. Audited as
 * `user.link_directory`.
 */
import type { LdapConfig } from "../config/schema.js";
import { AppError } from "../errors.js";
import type { AuditActor } from "../storage/audit.js";
import type { Store } from "../storage/store.js";
import type { User } from "../storage/users.js";
import { LDAP_SOURCE } from "./accounts.js";
import { Directory, type DirectoryEntry } from "./directory.js";
import { ldapSettings } from "./settings.js";

export async function linkToDirectory(
  store: Store,
  config: LdapConfig,
  user: User,
  actor: AuditActor,
): Promise<DirectoryEntry> {
  const settings = ldapSettings(config);
  if (!settings)
    throw new AppError("invalid_request", "no directory is configured: [ldap] url is empty");
  if (user.isBot)
    throw new AppError("invalid_request", "a bot signs in with its tokens, not a directory");
  const entry = await new Directory(settings).open((c) => c.findByUsername(user.username));
  if (!entry)
    throw new AppError(
      "not_found",
      `the directory has nobody, or more than one, whose ${config.username_attribute} is "${user.username}"`,
    );
  const now = Date.now();
  await store.transaction(async (tx) => {
    const owner = await tx.externalIdentities.userOf(LDAP_SOURCE, entry.id);
    if (owner === user.id)
      throw new AppError("conflict", `${user.username} is linked to ${entry.dn} already`);
    if (owner) throw new AppError("conflict", `${entry.dn} is linked to another account`);
    const links = await tx.externalIdentities.ofUser(user.id);
    if (links.some((l) => l.provider === LDAP_SOURCE))
      throw new AppError("conflict", `${user.username} is linked to another directory entry`);
    const link = { provider: LDAP_SOURCE, subject: entry.id, userId: user.id, createdAt: now };
    if (!(await tx.externalIdentities.link(link)))
      throw new AppError("conflict", `${entry.dn} is linked to another account`);
    await tx.audit.append({
      actor,
      action: "user.link_directory",
      targetType: "user",
      targetId: user.id,
      details: { username: user.username, dn: entry.dn },
      now,
    });
  });
  return entry;
}
