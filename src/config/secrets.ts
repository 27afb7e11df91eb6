/**
 * JWT signing secrets: refuses placeholders and short secrets, and on a single SQLite
 * node without a configured secret generates one once and keeps it beside the database.
 */
import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { ldapSettings } from "../ldap/settings.js";
import { clientSecret } from "../oidc/client-secret.js";
import type { Config } from "./schema.js";
import { SecretFileError } from "./secret-file.js";

export const PLACEHOLDER_SECRET = "CHANGE_THIS_SECRET_KEY_IN_PRODUCTION";
export const MIN_SECRET_BYTES = 32;
const HOW_TO_GENERATE = "generate one with: openssl rand -base64 32";

export interface JwtSecrets {
  current: string;
  previous: string[];
  /** Set when the secret was generated and stored by this process or an earlier one. */
  generatedFile?: string;
}

function secretProblem(secret: string, key: string): string | undefined {
  if (secret.includes(PLACEHOLDER_SECRET) || /change[_ ]?this|changeme/i.test(secret)) {
    return `[auth] ${key}: the placeholder secret from the guide is refused; ${HOW_TO_GENERATE}`;
  }
  if (Buffer.byteLength(secret, "utf8") < MIN_SECRET_BYTES) {
    return `[auth] ${key}: a secret must be at least ${MIN_SECRET_BYTES} bytes long; ${HOW_TO_GENERATE}`;
  }
  return undefined;
}

/** Problems with the configured secrets; an empty jwt_secret is fine on SQLite (generated). */
export function checkSecrets(config: Config, source = "(config)"): string[] {
  const problems: string[] = [];
  const { jwt_secret, previous_jwt_secrets } = config.auth;
  if (jwt_secret === "") {
    if (config.database.type === "postgres") {
      problems.push(
        `[auth] jwt_secret: required with type = "postgres", since every node must share it; ${HOW_TO_GENERATE}`,
      );
    }
  } else {
    const problem = secretProblem(jwt_secret, "jwt_secret");
    if (problem) problems.push(problem);
  }
  previous_jwt_secrets.forEach((secret, index) => {
    const problem = secretProblem(secret, `previous_jwt_secrets[${index}]`);
    if (problem) problems.push(problem);
  });
  // Each sign-in provider's client secret, read as the server will at start.
  for (const provider of config.oidc.providers) {
    try {
      clientSecret(provider);
    } catch (err) {
      if (!(err instanceof SecretFileError)) throw err;
      problems.push(err.message);
    }
  }
  // The directory's bind password and CA file, read as the server will at start.
  try {
    ldapSettings(config.ldap);
  } catch (err) {
    if (!(err instanceof SecretFileError)) throw err;
    problems.push(err.message);
  }
  return problems.map((problem) => `${source}: ${problem}`);
}

export function dataDirectory(config: Config): string {
  return dirname(config.database.path);
}

/** Makes the data directory (mode 0700) if it is missing. */
export function ensureDataDirectory(config: Config): string {
  const dir = dataDirectory(config);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

/** Returns the secrets to sign and verify with; call after checkSecrets found no problem. */
export function resolveJwtSecrets(config: Config): JwtSecrets {
  const previous = config.auth.previous_jwt_secrets;
  if (config.auth.jwt_secret !== "") return { current: config.auth.jwt_secret, previous };
  const file = join(ensureDataDirectory(config), "jwt_secret");
  let secret: string;
  try {
    secret = readFileSync(file, "utf8").trim();
  } catch {
    secret = randomBytes(32).toString("base64");
    writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: "wx" });
  }
  chmodSync(file, 0o600);
  return { current: secret, previous, generatedFile: file };
}
