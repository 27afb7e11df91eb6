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

export interface UserView {
  id: string;
  username: string;
  display_name: string;
  is_admin: boolean;
  created_at: number;
}

export interface AuthResponse {
  user: UserView;
  token: string;
  expires_at: number;
}

export interface SessionView {
  id: string;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
  user_agent: string;
  ip: string;
  current: boolean;
}
