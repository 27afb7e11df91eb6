/**
 * Throw-away self-signed certificates made with openssl, for the TLS servers tests and
 * benchmarks run on 127.0.0.1 (nginx, push service doubles). No node:test import: the
 * benchmark harness uses this too.
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";

export interface CertificateFiles {
  cert: string;
  key: string;
}

export interface CertificateOptions {
  /** The subject's common name. */
  name: string;
  /** subjectAltName entries, e.g. ["IP:127.0.0.1", "DNS:localhost"]. */
  altNames?: string[];
  certFile?: string;
  keyFile?: string;
}

/** Writes a one-day P-256 certificate and its key into `dir`; returns their paths. */
export function makeCertificate(dir: string, options: CertificateOptions): CertificateFiles {
  const cert = join(dir, options.certFile ?? "cert.pem");
  const key = join(dir, options.keyFile ?? "key.pem");
  const altNames = options.altNames ?? [];
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      key,
      "-out",
      cert,
      "-days",
      "1",
      "-subj",
      `/CN=${options.name}`,
      ...(altNames.length > 0 ? ["-addext", `subjectAltName=${altNames.join(",")}`] : []),
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  return { cert, key };
}

/** The certificate tests trust through NODE_EXTRA_CA_CERTS: 127.0.0.1 and localhost. */
export function makeLoopbackCertificate(dir: string): CertificateFiles {
  return makeCertificate(dir, { name: "localhost", altNames: ["IP:127.0.0.1", "DNS:localhost"] });
}
