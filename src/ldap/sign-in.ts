/**
 * Signing in with a directory username and password, through the ordinary
 * POST /api/v1/auth/login (so its throttle, second factor and sessions apply): the
 * person is found with the service bind, their password checked by binding as their
 * entry, then their account found (or made) and their groups applied to the
 * conversations linked to them. Where the server asks for an account's password again,
 * a directory account's is checked the same way, and it is changed in the directory.
 */
import { AppError } from "../errors.js";
import type { GroupLinkService } from "../group-links/service.js";
import type { Store } from "../storage/store.js";
import type { User } from "../storage/users.js";
import { accountFor, LDAP_SOURCE, linkedGroups } from "./accounts.js";
import type { Directory } from "./directory.js";

export interface LdapSignInDeps {
  store: Store;
  directory: Directory;
  groupLinks: GroupLinkService;
}

export class LdapSignIn {
  constructor(private readonly deps: LdapSignInDeps) {}

  /**
   * Whether a sign-in as this account goes to the directory: one that does not exist
   * here (it may be made), or one linked to the directory. A local account stays local.
   */
  async handles(found: { id: string; isBot: boolean } | undefined): Promise<boolean> {
    if (!found) return true;
    return !found.isBot && (await this.linkOf(found.id)) !== undefined;
  }

  private async linkOf(userId: string): Promise<string | undefined> {
    const links = await this.deps.store.externalIdentities.ofUser(userId);
    return links.find((l) => l.provider === LDAP_SOURCE)?.subject;
  }

  /**
   * Whether `password` is the directory password of an account linked to it (asked
   * again before setting up a second factor or deleting the account); undefined for an
   * account that is not linked, whose password is its own.
   */
  async confirm(userId: string, password: string): Promise<boolean | undefined> {
    const id = await this.linkOf(userId);
    if (id === undefined) return undefined;
    if (password === "") return false;
    return this.deps.directory.open(async (connection) => {
      const entry = await connection.findById(id);
      return entry ? connection.checkPassword(entry.dn, password) : false;
    });
  }

  /** A directory account's password is changed in the directory, not here. */
  async refusePasswordChange(userId: string): Promise<void> {
    if ((await this.linkOf(userId)) !== undefined)
      throw new AppError(
        "invalid_request",
        "this account signs in with its directory password: change it in the directory",
      );
  }

  /**
   * The account the directory signs in with this username and password; undefined when
   * the directory knows no such person or the password is wrong (told apart by no one).
   */
  async verify(username: string, password: string): Promise<User | undefined> {
    if (password === "") return undefined;
    const entry = await this.deps.directory.open(async (connection) => {
      const found = await connection.findByUsername(username);
      if (!found) return undefined;
      return (await connection.checkPassword(found.dn, password)) ? found : undefined;
    });
    if (!entry) return undefined;
    const user = await accountFor(this.deps.store, this.deps.directory.settings.config, entry);
    await this.deps.groupLinks.apply(LDAP_SOURCE, user, await linkedGroups(this.deps.store, entry));
    return user;
  }
}
