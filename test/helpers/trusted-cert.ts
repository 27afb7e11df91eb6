/**
 * A throw-away TLS certificate for 127.0.0.1 and localhost, trusted by the test process
 * the way an operator trusts a private CA: through NODE_EXTRA_CA_CERTS, which Node.js
 * reads only at start. A test file calls `trustedCert()` at its top: the first time, it
 * makes the certificate and runs the same file again in a child process with the
 * variable set (one test that passes when every test of the child does); in that child
 * it returns the certificate. The child is started as this process was (its Node.js
 * flags: the TypeScript loader, or none for a compiled file) and runs the file's tests
 * itself, with no test runner of its own between. `npm test` makes one certificate for
 * the whole run and sets both variables (scripts/test.sh): no file runs twice there.
 */

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { it } from "node:test";
import { makeLoopbackCertificate } from "./certificate.js";

export interface TrustedCert {
  cert: string;
  key: string;
}

const CERT_ENV = "CHAT_TEST_TRUSTED_CERT_DIR";

function childEnv(dir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    [CERT_ENV]: dir,
    NODE_EXTRA_CA_CERTS: join(dir, "cert.pem"),
  };
  // Set by the test runner for its own children: the child here runs a test run of its own.
  delete env.NODE_TEST_CONTEXT;
  return env;
}

export function trustedCert(): TrustedCert | undefined {
  const dir = process.env[CERT_ENV];
  if (dir && process.env.NODE_EXTRA_CA_CERTS) {
    return {
      cert: readFileSync(join(dir, "cert.pem"), "utf8"),
      key: readFileSync(join(dir, "key.pem"), "utf8"),
    };
  }
  it("runs with a certificate the process trusts (NODE_EXTRA_CA_CERTS)", () => {
    const made = mkdtempSync(join(tmpdir(), "chat-test-cert-"));
    makeLoopbackCertificate(made);
    const file = process.argv[1];
    assert.ok(file, "the test file this process runs");
    const child = spawnSync(process.execPath, [...process.execArgv, "--test-reporter=spec", file], {
      encoding: "utf8",
      env: childEnv(made),
      maxBuffer: 64 * 1024 * 1024,
    });
    assert.equal(child.status, 0, `${child.stdout}\n${child.stderr}`);
  });
  return undefined;
}
