/**
 * Request schemas of the REST API, shared by the server (validation, OpenAPI) and the
 * clients (types). Objects are strict: an unknown field is an error, not ignored.
 */
import { z } from "zod";

export const USERNAME_PATTERN = /^[a-z0-9_.-]{3,32}$/i;
export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 1024;

export const registerBody = z.strictObject({
  username: z.string(),
  password: z.string(),
  display_name: z.string().max(64).optional(),
  invite_code: z.string().max(256).optional(),
});
export type RegisterBody = z.infer<typeof registerBody>;

export const loginBody = z.strictObject({
  username: z.string().max(256),
  password: z.string().max(PASSWORD_MAX * 4),
});
export type LoginBody = z.infer<typeof loginBody>;

export const changePasswordBody = z.strictObject({
  current_password: z.string().max(PASSWORD_MAX * 4),
  new_password: z.string(),
});
export type ChangePasswordBody = z.infer<typeof changePasswordBody>;

export const idParams = z.strictObject({ id: z.string().min(1).max(64) });

export const userView = z.object({
  id: z.string(),
  username: z.string(),
  display_name: z.string(),
  is_admin: z.boolean(),
  created_at: z.number(),
});
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
});
export type SessionView = z.infer<typeof sessionView>;
