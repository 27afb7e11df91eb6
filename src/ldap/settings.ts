/**
 * What the directory client needs beyond the `[ldap]` keys, read once at start (and by
 * `chat-server config check`): the service bind's password from its file (0600, like
 * every secret file) and the certificates to trust from `ca_file`. A problem is reported
 * as a configuration error, not found at the first sign-in.
 */
import { readFileSync } from "node:fs";
import type { LdapConfig } from "../config/schema.js";
import { readSecretFile, SecretFileError } from "../config/secret-file.js";

export interface LdapSettings {
  config: LdapConfig;
  /** Undefined without `bind_dn`: the search is anonymous. */
  bindPassword: string | undefined;
  /** The PEM certificates `ca_file` holds; undefined trusts the system's CAs. */
  ca: string | undefined;
}

/** The settings of the configured directory, or undefined when `[ldap] url` is empty. */
export function ldapSettings(config: LdapConfig): LdapSettings | undefined {
  if (config.url === "") return undefined;
  const bindPassword =
    config.bind_password_file === ""
      ? undefined
      : readSecretFile(config.bind_password_file, "[ldap] bind_password_file: the file");
  let ca: string | undefined;
  if (config.ca_file !== "") {
    try {
      ca = readFileSync(config.ca_file, "utf8");
    } catch (err) {
      throw new SecretFileError(
        `[ldap] ca_file: the file ${config.ca_file} cannot be read (${(err as NodeJS.ErrnoException).code ?? "error"})`,
      );
    }
    if (!ca.includes("-----BEGIN CERTIFICATE-----"))
      throw new SecretFileError(
        `[ldap] ca_file: the file ${config.ca_file} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`,
      );
  }
  return { config, bindPassword, ca };
}
