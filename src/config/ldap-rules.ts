/**
 * The `[ldap]` rules that span keys: passwords cross the network only over TLS (ldaps://
 * or StartTLS) unless the operator says otherwise (`allow_plain`), and a directory needs
 * where to look for people and, for a service bind, both its DN and its password; its
 * filters must parse, so that a typo is found by `config check`, not at each sign-in.
 */
import { FilterParser } from "ldapts";
import type { LdapConfig } from "./schema.js";

/** Why a filter cannot be parsed, or undefined when it can. */
function filterProblem(filter: string): string | undefined {
  if (!filter.startsWith("("))
    return 'expected a filter in parentheses, e.g. "(objectClass=person)"';
  try {
    FilterParser.parseString(filter);
    return undefined;
  } catch (err) {
    return `not a valid LDAP filter: ${(err as Error).message}`;
  }
}

export function ldapProblems(ldap: LdapConfig, source: string): string[] {
  if (ldap.url === "") return [];
  const problems: string[] = [];
  const at = `${source}: [ldap]`;
  const scheme = /^(ldaps?):\/\//i.exec(ldap.url)?.[1]?.toLowerCase();
  if (scheme === undefined) {
    problems.push(
      `${at} url: expected an ldaps:// or ldap:// address (e.g. "ldaps://ldap.example.com")`,
    );
  } else if (scheme === "ldaps" && ldap.start_tls) {
    problems.push(`${at} start_tls: ldaps:// is TLS already; set start_tls = false`);
  } else if (scheme === "ldap" && !ldap.start_tls && !ldap.allow_plain) {
    problems.push(
      `${at} url: ldap:// without StartTLS sends passwords in the clear; use ldaps://, or set start_tls = true, or allow_plain = true on a network you trust`,
    );
  }
  if (ldap.user_base === "")
    problems.push(
      `${at} user_base: expected the DN people are found under (e.g. "ou=people,dc=example,dc=org")`,
    );
  if ((ldap.bind_dn === "") !== (ldap.bind_password_file === ""))
    problems.push(
      `${at} bind_dn: expected both bind_dn and bind_password_file for the service bind, or neither (an anonymous search)`,
    );
  for (const key of ["user_filter", "group_filter"] as const) {
    const problem = filterProblem(ldap[key]);
    if (problem) problems.push(`${at} ${key}: ${problem}`);
  }
  if (ldap.access_group !== "" || ldap.admin_group !== "") {
    if (ldap.group_base === "")
      problems.push(
        `${at} group_base: expected the DN groups are found under when access_group or admin_group is set`,
      );
  }
  return problems;
}
