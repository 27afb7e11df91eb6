/**
 * Reads the TOML file, applies CHAT_<SECTION>_<KEY> environment overrides and validates
 * the result once, at start. Every problem is reported together, one line each, naming
 * where the value came from (file or variable), the key and what was expected.
 */
import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import { parse as parseToml } from "smol-toml";
import type { z } from "zod";
import { ldapProblems } from "./ldap-rules.js";
import { type Config, type ConfigOverrides, configSchema } from "./schema.js";

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join("\n"));
    this.name = "ConfigError";
  }
}

type Raw = Record<string, Record<string, unknown>>;

/** The defaults of every key, which also tell each key's type for env coercion. */
export const configDefaults: Config = configSchema.parse({});

/** Keys that hold a list of tables, which no environment variable overrides. */
const TABLE_KEYS: ReadonlySet<string> = new Set(["oidc.providers"]);

export function envVarName(section: string, key: string): string {
  return `CHAT_${section}_${key}`.toUpperCase();
}

function coerceEnv(value: string, like: unknown): unknown {
  if (typeof like === "number") return value.trim() === "" ? Number.NaN : Number(value);
  if (typeof like === "boolean") {
    if (/^(true|1|yes|on)$/i.test(value)) return true;
    if (/^(false|0|no|off)$/i.test(value)) return false;
    return value;
  }
  if (Array.isArray(like)) {
    return value
      .split(",")
      .map((item) => item.trim())
      .filter((item) => item !== "");
  }
  return value;
}

/** Applies environment overrides; returns which keys came from the environment. */
function applyEnv(raw: Raw, env: NodeJS.ProcessEnv): Map<string, { name: string; value: string }> {
  const fromEnv = new Map<string, { name: string; value: string }>();
  for (const [section, keys] of Object.entries(configDefaults)) {
    for (const [key, def] of Object.entries(keys as Record<string, unknown>)) {
      // A list of tables ([[oidc.providers]]) is written in the file only.
      if (Array.isArray(def) && TABLE_KEYS.has(`${section}.${key}`)) continue;
      const name = envVarName(section, key);
      const value = env[name];
      if (value === undefined) continue;
      raw[section] ??= {};
      (raw[section] as Record<string, unknown>)[key] = coerceEnv(value, def);
      fromEnv.set(`${section}.${key}`, { name, value });
    }
  }
  return fromEnv;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case "invalid_type":
      return `expected ${issue.expected === "int" ? "an integer" : `a ${issue.expected}`}`;
    case "too_small":
      return `expected at least ${String(issue.minimum)}${issue.origin === "string" ? " characters" : ""}`;
    case "too_big":
      return `expected at most ${String(issue.maximum)}${issue.origin === "string" ? " characters" : ""}`;
    case "invalid_value":
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
    default:
      return issue.message;
  }
}

function formatIssues(
  issues: z.core.$ZodIssue[],
  source: string,
  fromEnv: Map<string, { name: string; value: string }>,
  raw: Raw,
): string[] {
  const lines: string[] = [];
  for (const issue of issues) {
    const [section, key] = issue.path.map(String);
    if (issue.code === "unrecognized_keys") {
      for (const unknown of issue.keys) {
        if (section === undefined) {
          const known = Object.keys(configDefaults).join(", ");
          lines.push(`${source}: [${unknown}]: unknown section (known sections: ${known})`);
        } else {
          const known = Object.keys(configDefaults[section as keyof Config] ?? {}).join(", ");
          lines.push(`${source}: [${section}] ${unknown}: unknown key (known keys: ${known})`);
        }
      }
      continue;
    }
    if (section === undefined) {
      lines.push(`${source}: ${describeIssue(issue)}`);
      continue;
    }
    if (key === undefined) {
      lines.push(`${source}: [${section}]: expected a table of keys`);
      continue;
    }
    const env = fromEnv.get(`${section}.${key}`);
    const where = env?.name ?? source;
    const got = env ? env.value : raw[section]?.[key];
    const shown = got === undefined ? "" : `, got ${JSON.stringify(got)}`;
    lines.push(`${where}: [${section}] ${key}: ${describeIssue(issue)}${shown}`);
  }
  return lines;
}

export interface LoadOptions {
  /** Path of the TOML file; undefined runs on the embedded defaults. */
  file?: string | undefined;
  env?: NodeJS.ProcessEnv;
  overrides?: ConfigOverrides;
}

/** Parses and validates the configuration; throws ConfigError listing every problem. */
export function loadConfig(options: LoadOptions = {}): Config {
  const env = options.env ?? process.env;
  const source = options.file ?? "(defaults)";
  let raw: Raw = {};
  if (options.file !== undefined) {
    let text: string;
    try {
      text = readFileSync(options.file, "utf8");
    } catch (err) {
      const reason = (err as NodeJS.ErrnoException).code ?? String(err);
      throw new ConfigError([`${options.file}: cannot read the configuration file (${reason})`]);
    }
    try {
      raw = parseToml(text) as Raw;
    } catch (err) {
      const firstLine = String((err as Error).message).split("\n")[0];
      throw new ConfigError([`${options.file}: not valid TOML: ${firstLine}`]);
    }
  }
  for (const [section, value] of Object.entries(options.overrides ?? {})) {
    raw[section] = { ...(raw[section] ?? {}), ...(value as Record<string, unknown>) };
  }
  const fromEnv = applyEnv(raw, env);
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(formatIssues(parsed.error.issues, source, fromEnv, raw));
  }
  const problems = crossCheck(parsed.data, source, raw);
  if (problems.length > 0) throw new ConfigError(problems);
  return parsed.data;
}

const PROXY_KEYWORDS = new Set(["loopback", "linklocal", "uniquelocal"]);

/** An address, a CIDR range, or one of proxy-addr's keywords. */
function isProxyAddress(entry: string): boolean {
  if (PROXY_KEYWORDS.has(entry)) return true;
  const [address, prefix, ...rest] = entry.split("/");
  const family = isIP(address ?? "");
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  const bits = Number(prefix);
  return /^\d+$/.test(prefix) && bits <= (family === 4 ? 32 : 128);
}

/**
 * On PostgreSQL, `[database] path` serves only to place the uploads directory beside it.
 * A section written for PostgreSQL without it would move attachments to the built-in
 * `./data/uploads` unnoticed, so one of the two keys must say where they are.
 */
function uploadsPlaceProblem(config: Config, source: string, raw: Raw): string | undefined {
  if (config.database.type !== "postgres" || config.uploads.store !== "local") return undefined;
  if (config.uploads.path !== "" || raw.database?.path !== undefined) return undefined;
  return `${source}: [uploads] path: expected the directory that holds the attachments when [database] type = "postgres" and [database] path is not set (e.g. path = "/var/lib/chat-server/uploads", where a server on /var/lib/chat-server/chat.db kept them)`;
}

/** Rules that involve more than one key, or more than a type. */
function crossCheck(config: Config, source: string, raw: Raw): string[] {
  const problems: string[] = [];
  if (config.database.type === "postgres" && config.database.url === "") {
    problems.push(
      `${source}: [database] url: expected a postgres:// URL when type = "postgres" (e.g. url = "postgres://chat@127.0.0.1:5432/chat")`,
    );
  }
  if (config.database.url !== "" && !/^postgres(ql)?:\/\//.test(config.database.url)) {
    problems.push(`${source}: [database] url: expected a URL starting with postgres://`);
  }
  for (const entry of config.server.trust_proxy) {
    if (!isProxyAddress(entry)) {
      problems.push(
        `${source}: [server] trust_proxy: expected IP addresses or CIDR ranges (e.g. "127.0.0.1", "10.0.0.0/8"), got ${JSON.stringify(entry)}`,
      );
    }
  }
  if (config.redis.url !== "" && !/^rediss?:\/\//.test(config.redis.url)) {
    problems.push(`${source}: [redis] url: expected a URL starting with redis:// or rediss://`);
  }
  if (config.uploads.store === "s3" && config.uploads.s3_bucket === "") {
    problems.push(`${source}: [uploads] s3_bucket: expected a bucket name when store = "s3"`);
  }
  const uploadsPlace = uploadsPlaceProblem(config, source, raw);
  if (uploadsPlace) problems.push(uploadsPlace);
  problems.push(...ldapProblems(config.ldap, source));
  return problems;
}
