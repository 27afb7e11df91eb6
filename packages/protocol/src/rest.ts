/**
 * Request schemas of the REST API, shared by the server (validation, OpenAPI) and the
 * clients (types). Objects are strict: an unknown field is an error, not ignored.
 * Every protocol schema is written with zod/mini: the browser bundles them, and its
 * functional API lets the bundler keep only what the schemas use.
 */
import { z } from "zod/mini";
import { type ErrorCode, errorCatalogue } from "./errors.js";
import { secondFactorFields } from "./two-factor.js";

export const USERNAME_PATTERN = /^[a-z0-9_.-]{3,32}$/i;
export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 1024;

export const registerBody = z.strictObject({
  username: z.string(),
  password: z.string(),
  display_name: z.optional(z.string().check(z.maxLength(64))),
  invite_code: z.optional(z.string().check(z.maxLength(256))),
});
export type RegisterBody = z.infer<typeof registerBody>;

export const loginBody = z.strictObject({
  username: z.string().check(z.maxLength(256)),
  password: z.string().check(z.maxLength(PASSWORD_MAX * 4)),
  // An account with a second factor gives one of these too (see two-factor.ts).
  ...secondFactorFields,
});
export type LoginBody = z.infer<typeof loginBody>;

export const changePasswordBody = z.strictObject({
  current_password: z.string().check(z.maxLength(PASSWORD_MAX * 4)),
  new_password: z.string(),
});
export type ChangePasswordBody = z.infer<typeof changePasswordBody>;

/** `DELETE /api/v1/me`: the account's password, asked again. */
export const deleteAccountBody = z.strictObject({
  password: z.string().check(z.maxLength(PASSWORD_MAX * 4)),
});
export type DeleteAccountBody = z.infer<typeof deleteAccountBody>;

export const idParams = z.strictObject({ id: z.string().check(z.minLength(1), z.maxLength(64)) });

export const userView = z
  .object({
    id: z.string(),
    username: z.string(),
    display_name: z.string(),
    is_admin: z.boolean(),
    /**
     * A bot: an account a person created for a program, signed in only by tokens. Absent
     * from servers older than bots (a client meets one during a rolling upgrade): false.
     */
    is_bot: z._default(z.boolean(), false),
    created_at: z.number(),
    /** Present (true) when the account was deleted: shown as "Deleted user". */
    deleted: z.optional(z.literal(true)),
  })
  .register(z.globalRegistry, { id: "User" });
export type UserView = z.infer<typeof userView>;

export const authResponse = z.object({
  user: userView,
  token: z.string(),
  expires_at: z.number(),
});
export type AuthResponse = z.infer<typeof authResponse>;

export const sessionView = z.object({
  id: z.string(),
  created_at: z.number(),
  last_seen_at: z.number(),
  expires_at: z.number(),
  user_agent: z.string(),
  ip: z.string(),
  current: z.boolean(),
  /** How it was signed in: "password", "password+totp", "password+recovery_code",
   * "password+passkey" or "passkey"; "oidc:<id>" through a provider; "ldap" (or
   * "ldap+totp" and the like) with a directory password; null for a session from before
   * methods were kept. */
  method: z.nullable(z.string()),
});
export type SessionView = z.infer<typeof sessionView>;

// Response envelopes: what each endpoint answers with around the views above.

export const meResponse = z.object({ user: userView });
export const sessionsResponse = z.object({ sessions: z.array(sessionView) });
export const socketTicketResponse = z.object({
  ticket: z.string(),
  /** Seconds the ticket stays valid for opening one socket. */
  expires_in: z.number(),
});
export const usersResponse = z.object({ users: z.array(userView) });
export const userProfileResponse = z.object({
  user: userView,
  online: z.boolean(),
  /** null unless the caller shares a conversation with this user. */
  last_seen_at: z.nullable(z.number()),
});
export { serverInfo as serverInfoResponse } from "./server-info.js";

const errorCodes = Object.keys(errorCatalogue) as [ErrorCode, ...ErrorCode[]];

/** Every failure, REST and socket alike: a code from the catalogue and a human message. */
export const errorBody = z
  .object({
    error: z.object({
      code: z.enum(errorCodes),
      message: z.string(),
      /** Machine-readable specifics of some codes, e.g. the unknown field names. */
      details: z.optional(z.unknown()),
    }),
  })
  .register(z.globalRegistry, { id: "Error" });

/** What GET /health checks: the database's tables can be read; uploads can be written. */
export const healthCheck = z.enum(["database", "uploads"]);
export type HealthCheck = z.infer<typeof healthCheck>;
/**
 * GET /health: 200 when every check passes, 503 (same body, plus the names of the failing
 * checks) when one does not.
 */
export const healthResponse = z.object({
  status: z.enum(["healthy", "unhealthy"]),
  timestamp: z.number(),
  uptime_seconds: z.number(),
  failing: z.optional(z.array(healthCheck)),
});
/** GET /status: what an operator checks on one node. */
export const statusResponse = z.object({
  connections: z.number(),
  version: z.string(),
  uptime_seconds: z.number(),
  database: z.enum(["sqlite", "postgres"]),
  node_id: z.string(),
  cluster: z.boolean(),
  node: z.string(),
  memory_rss_bytes: z.number(),
});
