/**
 * The directory's parts, made when `[ldap] url` is set: the sign-in AuthService asks and
 * the periodic sync the server starts. Without a directory there are none.
 */
import type { Logger } from "pino";
import type { LdapConfig } from "../config/schema.js";
import type { DomainEvents } from "../events/bus.js";
import type { GroupLinkService } from "../group-links/service.js";
import type { Store } from "../storage/store.js";
import { Directory } from "./directory.js";
import { ldapSettings } from "./settings.js";
import { LdapSignIn } from "./sign-in.js";
import { DirectorySync } from "./sync.js";

export interface LdapParts {
  signIn: LdapSignIn;
  sync: DirectorySync;
}

export function ldapParts(
  config: LdapConfig,
  deps: { store: Store; events: DomainEvents; groupLinks: GroupLinkService; logger: Logger },
): LdapParts | undefined {
  const settings = ldapSettings(config);
  if (!settings) return undefined;
  const directory = new Directory(settings);
  return {
    signIn: new LdapSignIn({ store: deps.store, directory, groupLinks: deps.groupLinks }),
    sync: new DirectorySync({
      ...deps,
      directory,
      intervalMs: config.sync_interval_seconds * 1000,
    }),
  };
}
