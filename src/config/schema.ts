/**
 * The configuration file's shape: every section and key an operator may set, with its
 * default. The same table drives TOML validation, environment overrides and the docs.
 */
import { MAX_RETENTION_DAYS } from "@private-chat/protocol/chat";
import { z } from "zod";

function publicUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "expected an address such as https://chat.example.com";
  }
  if (url.protocol !== "https:" && url.protocol !== "http:")
    return "expected an http:// or https:// address";
  if (url.pathname !== "/" || url.search || url.hash || url.username || url.password)
    return "expected the address alone, without a path, query or credentials";
  return undefined;
}

const logLevel = z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]);

export const serverSection = z
  .strictObject({
    port: z.int().min(0).max(65535).default(8080),
    // Loopback by default: exposing the server is a decision the operator makes.
    host: z.string().min(1).default("127.0.0.1"),
    log_level: logLevel.default("info"),
    trust_proxy: z.array(z.string().min(1)).default([]),
    body_limit_bytes: z
      .int()
      .min(1024)
      .max(64 * 1024 * 1024)
      .default(1024 * 1024),
    cors_origins: z.array(z.string().min(1)).default([]),
    shutdown_timeout_seconds: z.int().min(1).max(300).default(10),
    request_body_timeout_seconds: z.int().min(1).max(600).default(30),
    socket_heartbeat_seconds: z.int().min(1).max(300).default(30),
    socket_max_buffered_bytes: z
      .int()
      .min(16 * 1024)
      .default(1024 * 1024),
    // The address people reach the server at, when a proxy stands between: passkeys are
    // bound to its host name (and sign-in providers send people back to it).
    public_url: z
      .string()
      .default("")
      .refine((value) => value === "" || publicUrlProblem(value) === undefined, {
        error: (issue) => publicUrlProblem(String(issue.input)) ?? "invalid",
      }),
  })
  .prefault({});

export const databaseSection = z
  .strictObject({
    type: z.enum(["sqlite", "postgres"]).default("sqlite"),
    path: z.string().min(1).default("./data/chat.db"),
    url: z.string().default(""),
    schema: z
      .string()
      .regex(/^([a-z_][a-z0-9_]*)?$/, "expected a lower-case PostgreSQL schema name")
      .default(""),
    pool_size: z.int().min(1).max(1000).default(10),
    statement_timeout_ms: z.int().min(0).default(10_000),
    /** Empty: the SQLite file is not encrypted (see storage/sqlite/encryption.ts). */
    encryption_key_file: z.string().default(""),
    /** The key itself, for an environment that hands it over as a variable (a secret). */
    encryption_key: z.string().default(""),
    /** The SQLCipher major version whose file format an encrypted database has. */
    encryption_compatibility: z.int().min(3).max(4).default(4),
  })
  .prefault({});

export const authSection = z
  .strictObject({
    jwt_secret: z.string().default(""),
    previous_jwt_secrets: z.array(z.string()).default([]),
    token_expiry_seconds: z
      .int()
      .min(1)
      .max(366 * 24 * 3600)
      .default(3600),
    registration: z.enum(["open", "invite", "closed"]).default("open"),
    require_2fa: z.enum(["off", "admins", "everyone"]).default("off"),
    require_2fa_grace_days: z.int().min(0).max(365).default(7),
  })
  .prefault({});

export const rateLimitSection = z
  .strictObject({
    enabled: z.boolean().default(true),
    max_requests_per_minute: z.int().min(1).default(1000),
    max_auth_attempts: z.int().min(1).max(1000).default(5),
    auth_window_seconds: z
      .int()
      .min(1)
      .max(24 * 3600)
      .default(15 * 60),
    socket_frames_per_second: z.number().positive().default(30),
    socket_frame_burst: z.int().min(1).default(60),
    socket_handshakes_per_second: z.number().positive().default(5),
    socket_handshake_burst: z.int().min(1).default(30),
  })
  .prefault({});

// What one person may hold or have done to them, whatever the rate: caps, not rates, so
// they hold with [rate_limit] enabled = false too.
export const limitsSection = z
  .strictObject({
    sockets_per_user: z.int().min(1).max(100_000).default(50),
    opening_sockets: z.int().min(1).max(100_000).default(256),
    group_adds_per_day: z.int().min(1).max(1_000_000).default(100),
  })
  .prefault({});

export const messagesSection = z
  .strictObject({
    max_body_chars: z.int().min(1).max(100_000).default(4000),
  })
  .prefault({});

export const redisSection = z
  .strictObject({
    url: z.string().default(""),
    key_prefix: z.string().default("chat:"),
  })
  .prefault({});

// Attachments: where files live, how large they may be, and each user's total.
export const uploadsSection = z
  .strictObject({
    /** Empty: an `uploads` directory beside the [database] path file. */
    path: z.string().default(""),
    max_file_bytes: z
      .int()
      .min(1)
      .default(25 * 1024 * 1024),
    user_quota_bytes: z
      .int()
      .min(0)
      .default(1024 * 1024 * 1024),
    store: z.enum(["local", "s3"]).default("local"),
    s3_endpoint: z.string().default(""),
    s3_bucket: z.string().default(""),
    s3_region: z.string().default("us-east-1"),
    s3_access_key_id: z.string().default(""),
    s3_secret_access_key: z.string().default(""),
    s3_force_path_style: z.boolean().default(false),
  })
  .prefault({});

// Web Push (RFC 8030/8291/8292): VAPID keys, what a push carries, and how it is sent.
export const pushSection = z
  .strictObject({
    /** Empty (with the private key empty too): generated once into the data directory. */
    vapid_public_key: z.string().default(""),
    vapid_private_key: z.string().default(""),
    /** A contact for the push services: a mailto: or https: URL (empty: a placeholder, logged). */
    subject: z
      .string()
      .regex(/^((mailto:|https:\/\/).+)?$/, "expected a mailto: or https:// URL")
      .default(""),
    include_content: z.boolean().default(true),
    allow_private_endpoints: z.boolean().default(false),
    timeout_seconds: z.int().min(1).max(120).default(10),
    ttl_seconds: z
      .int()
      .min(0)
      .max(28 * 24 * 3600)
      .default(24 * 3600),
    max_attempts: z.int().min(1).max(100).default(8),
  })
  .prefault({});

// How long messages are kept, in days; 0: for ever. A group's own setting
// (retention_days) replaces messages_days for it, but never goes past max_days when that
// is set (a time of 0 or beyond it counts as max_days).
export const retentionSection = z
  .strictObject({
    messages_days: z.int().min(0).max(MAX_RETENTION_DAYS).default(0),
    max_days: z.int().min(0).max(MAX_RETENTION_DAYS).default(0),
  })
  .prefault({});

// The event log, which sync and resume replay: how long it keeps events. A client whose
// cursor is older is told cursor_expired and reloads its state.
export const eventsSection = z
  .strictObject({
    retention_days: z.int().min(1).max(3650).default(30),
  })
  .prefault({});

// What deleting an account does to the messages its person wrote: "anonymize" keeps
// them, shown as a deleted user's; "erase" erases them for real, as a deletion does.
export const accountsSection = z
  .strictObject({
    on_delete: z.enum(["anonymize", "erase"]).default("anonymize"),
  })
  .prefault({});

// Bots, tokens and webhooks. users_can_create_bots: every user may make bots, not only
// administrators. allow_private_urls: webhooks and slash commands may call loopback and
// private addresses (tests and closed networks); the server's own address stays refused.
export const integrationsSection = z
  .strictObject({
    users_can_create_bots: z.boolean().default(false),
    allow_private_urls: z.boolean().default(false),
    event_timeout_seconds: z.int().min(1).max(60).default(10),
    event_retry_base_ms: z.int().min(1).max(3_600_000).default(5_000),
    event_retry_max_ms: z.int().min(1).max(86_400_000).default(3_600_000),
    event_retry_hours: z.int().min(1).max(168).default(24),
    event_queue_max: z.int().min(1).max(1_000_000).default(10_000),
  })
  .prefault({});

const httpsUrl = z.string().refine(
  (value) => {
    try {
      return new URL(value).protocol === "https:";
    } catch {
      return false;
    }
  },
  { error: "expected an https:// address" },
);

/** One OpenID Connect provider: a `[[oidc.providers]]` table. */
export const oidcProviderSchema = z.strictObject({
  id: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,31}$/, "expected 1 to 32 characters of a-z, 0-9 and '-'"),
  name: z.string().min(1).max(64),
  issuer: httpsUrl,
  client_id: z.string().min(1),
  client_secret_file: z.string().default(""),
  /** The name of an environment variable that holds the client secret. */
  client_secret_env: z.string().default(""),
  scopes: z.array(z.string().min(1)).default(["openid", "profile", "email"]),
  username_claim: z.string().min(1).default("preferred_username"),
  display_name_claim: z.string().min(1).default("name"),
  groups_claim: z.string().default(""),
  access_group: z.string().default(""),
  admin_group: z.string().default(""),
  /** Only people whose verified `email` is at one of these domains may sign in. */
  email_domains: z.array(z.string().min(1)).default([]),
  auto_create: z.boolean().default(false),
  /** Accounts linked to this provider sign in through it only, never with a password. */
  disable_local_password: z.boolean().default(false),
});
export type OidcProviderConfig = z.infer<typeof oidcProviderSchema>;

export const oidcSection = z
  .strictObject({
    providers: z
      .array(oidcProviderSchema)
      .default([])
      .refine((list) => new Set(list.map((p) => p.id)).size === list.length, {
        error: "two providers have the same id",
      }),
    check_interval_seconds: z.int().min(1).max(86_400).default(900),
  })
  .prefault({});

/**
 * An LDAP directory (OpenLDAP, Active Directory) people sign in with: off while `url` is
 * empty. The rules that span keys (TLS, the bind) are in ldap-rules.ts.
 */
export const ldapSection = z
  .strictObject({
    url: z.string().default(""),
    start_tls: z.boolean().default(false),
    /** ldap:// without StartTLS sends passwords in the clear: only when asked for. */
    allow_plain: z.boolean().default(false),
    ca_file: z.string().default(""),
    bind_dn: z.string().default(""),
    bind_password_file: z.string().default(""),
    user_base: z.string().default(""),
    user_filter: z.string().min(1).default("(objectClass=person)"),
    username_attribute: z.string().min(1).default("uid"),
    display_name_attribute: z.string().min(1).default("cn"),
    id_attribute: z.string().min(1).default("entryUUID"),
    group_base: z.string().default(""),
    group_filter: z.string().min(1).default("(objectClass=groupOfNames)"),
    group_member_attribute: z.string().min(1).default("member"),
    access_group: z.string().default(""),
    admin_group: z.string().default(""),
    auto_create: z.boolean().default(true),
    sync_interval_seconds: z.int().min(1).max(86_400).default(900),
    timeout_seconds: z.int().min(1).max(120).default(10),
  })
  .prefault({});
export type LdapConfig = z.infer<typeof ldapSection>;

export const configSchema = z.strictObject({
  server: serverSection,
  database: databaseSection,
  auth: authSection,
  rate_limit: rateLimitSection,
  limits: limitsSection,
  messages: messagesSection,
  redis: redisSection,
  uploads: uploadsSection,
  push: pushSection,
  retention: retentionSection,
  events: eventsSection,
  accounts: accountsSection,
  integrations: integrationsSection,
  oidc: oidcSection,
  ldap: ldapSection,
});

export type Config = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;

/** A deep partial of the config, used by tests and by code that overrides a few keys. */
export type ConfigOverrides = {
  [S in keyof Config]?: Partial<Config[S]>;
};
