/**
 * `[ldap]` as `chat-server config check` and the start judge it: passwords never cross
 * the network in the clear unless the operator says so (`allow_plain`), a directory needs
 * where people are, and the bind password file and CA file are read (0600) up front.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { ConfigError, loadConfig } from "./load.js";
import type { LdapConfig } from "./schema.js";
import { checkSecrets } from "./secrets.js";

const dir = mkdtempSync(join(tmpdir(), "chat-ldap-config-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const base = { user_base: "ou=people,dc=example,dc=org" };

function problems(ldap: Partial<LdapConfig>): string[] {
  try {
    loadConfig({ file: undefined, env: {}, overrides: { ldap: { ...base, ...ldap } } });
    return [];
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return err.problems;
  }
}

describe("[ldap] rules", () => {
  it("refuses plain ldap:// unless allow_plain is set, and accepts ldaps:// and StartTLS", () => {
    const plain = problems({ url: "ldap://ldap.example.com" });
    assert.equal(plain.length, 1);
    assert.match(plain[0] ?? "", /\[ldap\] url: ldap:\/\/ without StartTLS.*allow_plain = true/);
    assert.deepEqual(problems({ url: "ldap://ldap.example.com", allow_plain: true }), []);
    assert.deepEqual(problems({ url: "ldap://ldap.example.com", start_tls: true }), []);
    assert.deepEqual(problems({ url: "ldaps://ldap.example.com" }), []);
  });

  it("reports StartTLS on ldaps://, another scheme, a missing user_base and a half service bind", () => {
    assert.match(problems({ url: "ldaps://x", start_tls: true })[0] ?? "", /start_tls/);
    assert.match(problems({ url: "https://x" })[0] ?? "", /expected an ldaps:\/\/ or ldap:\/\//);
    assert.match(problems({ url: "ldaps://x", user_base: "" })[0] ?? "", /user_base/);
    assert.match(problems({ url: "ldaps://x", bind_dn: "cn=chat" })[0] ?? "", /bind_password_file/);
    assert.match(problems({ url: "ldaps://x", access_group: "cn=chat" })[0] ?? "", /group_base/);
    assert.match(
      problems({ url: "ldaps://x", user_filter: "(objectClass=person" })[0] ?? "",
      /\[ldap\] user_filter: not a valid LDAP filter/,
    );
    assert.match(
      problems({ url: "ldaps://x", group_filter: "objectClass=group" })[0] ?? "",
      /\[ldap\] group_filter: expected a filter in parentheses/,
    );
  });

  it("is off, whatever else is set, while url is empty", () => {
    assert.deepEqual(problems({ user_base: "", bind_dn: "cn=chat" }), []);
  });

  it("reads the bind password file as a secret (0600) and the CA file as PEM", () => {
    const open = join(dir, "open.secret");
    writeFileSync(open, "s3cret\n", { mode: 0o644 });
    const notPem = join(dir, "ca.txt");
    writeFileSync(notPem, "hello\n");
    const config = loadConfig({
      env: {},
      overrides: {
        ldap: {
          ...base,
          url: "ldaps://x",
          bind_dn: "cn=chat",
          bind_password_file: open,
          ca_file: notPem,
        },
      },
    });
    const found = checkSecrets(config, "config.toml");
    assert.equal(found.length, 1, found.join("\n"));
    assert.match(found[0] ?? "", /bind_password_file.*chmod 600/);
    writeFileSync(join(dir, "closed.secret"), "s3cret\n", { mode: 0o600 });
    config.ldap.bind_password_file = join(dir, "closed.secret");
    assert.match(checkSecrets(config)[0] ?? "", /ca_file.*holds no PEM certificate/);
  });
});
