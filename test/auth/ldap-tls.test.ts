/**
 * The directory client against a real slapd: StartTLS upgrades a plain connection before
 * any password is sent, a certificate the server does not trust (no `ca_file`) and a
 * service account the directory refuses are `provider_unavailable` — nothing decided —
 * and a name is compared, never pasted into the search filter; `chat-server user
 * link-directory` links an account to the entry of its name.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { loadConfig } from "../../src/config/load.js";
import type { LdapConfig } from "../../src/config/schema.js";
import { AppError } from "../../src/errors.js";
import { Directory } from "../../src/ldap/directory.js";
import { ldapSettings } from "../../src/ldap/settings.js";
import { runCli } from "../helpers/cli.js";
import {
  GROUPS,
  groupDn,
  PEOPLE,
  SERVICE_DN,
  slapdMissing,
  TestLdapServer,
} from "../helpers/ldap-server.js";
import { testSecret } from "../helpers/server.js";
import { tempDirs } from "../helpers/temp-dirs.js";

const tempDir = tempDirs("chat-ldap-tls-");
const PASSWORD = "pw-test-ada-starttls";

describe("the directory client", { skip: slapdMissing() }, () => {
  let ldap: TestLdapServer;

  before(async () => {
    ldap = new TestLdapServer(tempDir());
    await ldap.start();
    await ldap.addPerson("ada", PASSWORD, "Ada Lovelace");
    await ldap.addGroup("chat", ["ada"]);
  });
  after(() => ldap?.stop());

  const directory = (fields: Partial<LdapConfig>) => {
    const config = loadConfig({
      env: {},
      overrides: {
        ldap: ldap.config({
          url: `ldap://127.0.0.1:${ldap.ldapPort}`,
          start_tls: true,
          group_base: GROUPS,
          ...fields,
        }),
      },
    });
    const settings = ldapSettings(config.ldap);
    assert.ok(settings);
    return new Directory(settings);
  };

  it("finds a person and checks their password over StartTLS", async () => {
    const [entry, right, wrong, wildcard] = await directory({}).open(async (c) => {
      const found = await c.findByUsername("ada");
      assert.ok(found);
      return [
        found,
        await c.checkPassword(found.dn, PASSWORD),
        await c.checkPassword(found.dn, "pw-test-wrong"),
        await c.findByUsername("a*"),
      ] as const;
    });
    assert.equal(entry.displayName, "Ada Lovelace");
    assert.match(entry.id, /^[0-9a-f-]{36}$/, "entryUUID");
    assert.deepEqual(entry.groups, [groupDn("chat")]);
    assert.equal(right, true);
    assert.equal(wrong, false);
    assert.equal(wildcard, undefined);
  });

  it("finds nobody when the name is ambiguous: two entries, or more than the size limit", async () => {
    for (const uid of ["twin1", "twin2", "twin3"])
      await ldap.add(
        `dn: uid=${uid},${PEOPLE}\nobjectClass: inetOrgPerson\nuid: ${uid}\ncn: Twin\nsn: twin\n`,
      );
    const both = directory({ username_attribute: "sn", user_filter: "(|(uid=twin1)(uid=twin2))" });
    assert.equal(await both.open((c) => c.findByUsername("twin")), undefined);
    const all = directory({ username_attribute: "sn" });
    assert.equal(await all.open((c) => c.findByUsername("twin")), undefined);
  });

  it("links an existing account to its entry from the command line, once", async () => {
    const dir = tempDir();
    const env = {
      CHAT_DATABASE_PATH: join(dir, "chat.db"),
      CHAT_AUTH_JWT_SECRET: testSecret(),
      CHAT_LDAP_URL: `ldaps://127.0.0.1:${ldap.ldapsPort}`,
      CHAT_LDAP_CA_FILE: ldap.caFile,
      CHAT_LDAP_BIND_DN: SERVICE_DN,
      CHAT_LDAP_BIND_PASSWORD_FILE: ldap.passwordFile(),
      CHAT_LDAP_USER_BASE: PEOPLE,
    };
    const created = await runCli(["user", "create", "ada"], { env });
    assert.equal(created.code, 0, created.stderr);
    const linked = await runCli(["user", "link-directory", "ada"], { env });
    assert.equal(linked.code, 0, linked.stderr);
    assert.match(linked.stdout, /^linked ada to uid=ada,ou=people,dc=example,dc=org/);
    const again = await runCli(["user", "link-directory", "ada"], { env });
    assert.equal(again.code, 1);
    assert.match(again.stderr, /conflict: ada is linked to uid=ada,.* already/);
    const nobody = await runCli(["user", "create", "zoe"], { env });
    assert.equal(nobody.code, 0, nobody.stderr);
    const missing = await runCli(["user", "link-directory", "zoe"], { env });
    assert.match(missing.stderr, /not_found: the directory has nobody/);
  });

  it("refuses a certificate it was not told to trust, and a refused service bind", async () => {
    for (const fields of [{ ca_file: "" }, { bind_dn: `cn=nobody,${PEOPLE}` }]) {
      await assert.rejects(
        directory(fields).open(async (c) => c.findByUsername("ada")),
        (err: unknown) => err instanceof AppError && err.code === "provider_unavailable",
      );
    }
  });
});
