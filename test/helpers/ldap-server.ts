/**
 * A real LDAP directory for tests: Debian's OpenLDAP `slapd`, started in a temporary
 * directory from a slapd.conf (mdb backend, the core, cosine, nis and inetOrgPerson
 * schemas) on two free ports of 127.0.0.1: ldap:// (for StartTLS) and ldaps://, both
 * with a throw-away certificate the chat server trusts through `[ldap] ca_file`. People
 * and groups are loaded and changed with ldapadd and ldapmodify as the directory's admin.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { createServer, Socket } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import { makeLoopbackCertificate } from "./certificate.js";

const run = promisify(execFile);

export const SUFFIX = "dc=example,dc=org";
const ADMIN_DN = `cn=admin,${SUFFIX}`;
const ADMIN_PASSWORD = "pw-test-directory-admin";
export const SERVICE_DN = `cn=chat-service,${SUFFIX}`;
export const SERVICE_PASSWORD = "pw-test-directory-service";
export const PEOPLE = `ou=people,${SUFFIX}`;
export const GROUPS = `ou=groups,${SUFFIX}`;

export const personDn = (uid: string) => `uid=${uid},${PEOPLE}`;
export const groupDn = (cn: string) => `cn=${cn},${GROUPS}`;

/** slapd as Debian installs it; undefined (with why) where it is missing. */
export function slapdMissing(): string | undefined {
  for (const tool of ["/usr/sbin/slapd", "/usr/bin/ldapadd", "/usr/bin/ldapmodify"]) {
    if (!existsSync(tool)) return `${tool} is not installed (apt-get install slapd ldap-utils)`;
  }
  return undefined;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (!address || typeof address === "string") throw new Error("no free port");
  return address.port;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
    socket.connect(port, "127.0.0.1");
  });
}

function config(dir: string, cert: string, key: string): string {
  return `include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/nis.schema
include /etc/ldap/schema/inetorgperson.schema
pidfile ${join(dir, "slapd.pid")}
argsfile ${join(dir, "slapd.args")}
modulepath /usr/lib/ldap
moduleload back_mdb
TLSCertificateFile ${cert}
TLSCertificateKeyFile ${key}
database mdb
maxsize 10485760
suffix "${SUFFIX}"
rootdn "${ADMIN_DN}"
rootpw ${ADMIN_PASSWORD}
directory ${join(dir, "data")}
access to attrs=userPassword by anonymous auth by self write by * none
access to * by * read
`;
}

const BASE_LDIF = `dn: ${SUFFIX}
objectClass: dcObject
objectClass: organization
dc: example
o: Example

dn: ${SERVICE_DN}
objectClass: organizationalRole
objectClass: simpleSecurityObject
cn: chat-service
userPassword: ${SERVICE_PASSWORD}

dn: ${PEOPLE}
objectClass: organizationalUnit
ou: people

dn: ${GROUPS}
objectClass: organizationalUnit
ou: groups
`;

export class TestLdapServer {
  private process: ChildProcess | undefined;
  ldapPort = 0;
  ldapsPort = 0;
  /** The certificate slapd presents, for `[ldap] ca_file`. */
  caFile = "";

  constructor(private readonly dir: string) {}

  async start(): Promise<void> {
    mkdirSync(join(this.dir, "data"), { recursive: true });
    const { cert, key } = makeLoopbackCertificate(this.dir);
    this.caFile = cert;
    const conf = join(this.dir, "slapd.conf");
    writeFileSync(conf, config(this.dir, cert, key));
    this.ldapPort = await freePort();
    this.ldapsPort = await freePort();
    const urls = `ldap://127.0.0.1:${this.ldapPort}/ ldaps://127.0.0.1:${this.ldapsPort}/`;
    // -d keeps slapd in the foreground, a child of the test that ends with it.
    const child = spawn("/usr/sbin/slapd", ["-f", conf, "-h", urls, "-d", "0"], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    this.process = child;
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const until = Date.now() + 10_000;
    while (!(await accepts(this.ldapPort)) || !(await accepts(this.ldapsPort))) {
      if (child.exitCode !== null || Date.now() > until)
        throw new Error(`slapd did not start (exit ${child.exitCode}): ${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await this.add(BASE_LDIF);
  }

  /**
   * An `[ldap]` table for this server: over ldaps:// with its CA trusted, the service
   * bind, people under PEOPLE; `fields` over these.
   */
  config(fields: Record<string, unknown> = {}): Record<string, unknown> {
    return {
      url: `ldaps://127.0.0.1:${this.ldapsPort}`,
      ca_file: this.caFile,
      bind_dn: SERVICE_DN,
      bind_password_file: this.passwordFile(),
      user_base: PEOPLE,
      ...fields,
    };
  }

  /** A bind password file for the service account, mode 0600. */
  passwordFile(): string {
    const file = join(this.dir, "bind-password");
    writeFileSync(file, `${SERVICE_PASSWORD}\n`, { mode: 0o600 });
    return file;
  }

  private async tool(name: "ldapadd" | "ldapmodify", ldif: string): Promise<void> {
    const file = join(this.dir, `change-${Date.now()}-${Math.random()}.ldif`);
    writeFileSync(file, ldif);
    const url = `ldap://127.0.0.1:${this.ldapPort}`;
    await run(`/usr/bin/${name}`, [
      "-x",
      "-H",
      url,
      "-D",
      ADMIN_DN,
      "-w",
      ADMIN_PASSWORD,
      "-f",
      file,
    ]);
  }

  add(ldif: string): Promise<void> {
    return this.tool("ldapadd", ldif);
  }

  modify(ldif: string): Promise<void> {
    return this.tool("ldapmodify", ldif);
  }

  addPerson(uid: string, password: string, cn = uid): Promise<void> {
    return this.add(`dn: ${personDn(uid)}
objectClass: inetOrgPerson
uid: ${uid}
cn: ${cn}
sn: ${uid}
userPassword: ${password}
`);
  }

  /** A groupOfNames with these people in it (one member at least, as its schema wants). */
  addGroup(cn: string, uids: string[]): Promise<void> {
    const members = uids.map((uid) => `member: ${personDn(uid)}`).join("\n");
    return this.add(`dn: ${groupDn(cn)}
objectClass: groupOfNames
cn: ${cn}
${members}
`);
  }

  setMembers(cn: string, uids: string[]): Promise<void> {
    const members = uids.map((uid) => `member: ${personDn(uid)}`).join("\n");
    return this.modify(`dn: ${groupDn(cn)}
changetype: modify
replace: member
${members}
`);
  }

  async stop(): Promise<void> {
    const child = this.process;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;
  }
}
