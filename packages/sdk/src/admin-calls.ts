/**
 * The administration API (/api/v1/admin/*) for administrators' clients: accounts and
 * their sessions, invites, the audit log, the server's figures and run-time settings.
 * Reached as `client.admin`; every call answers 403 `forbidden` to anyone else.
 */

import {
  type AdminCreatedInvite,
  type AdminCreatedUser,
  type AdminServerResponse,
  type AdminSessionView,
  type AdminUserView,
  type AuditEntryView,
  type AuditQuery,
  adminCreatedInvite,
  adminCreatedUser,
  type adminCreateUserBody,
  adminPasswordResponse,
  adminServerResponse,
  adminSessionsResponse,
  adminUserResponse,
  adminUsersResponse,
  auditResponse,
  type InviteView,
  invitesResponse,
  type RuntimeSettings,
  revokeAllSessionsResponse,
  type SettingsBody,
  settingsResponse,
} from "@private-chat/protocol/admin";
import type { z } from "zod/mini";
import type { RestTransport } from "./transport.js";

export interface SettingsState {
  /** What holds now, on every node. */
  settings: RuntimeSettings;
  /** The configuration file's values, which a null in an update goes back to. */
  defaults: RuntimeSettings;
}

const user = (id: string) => `/api/v1/admin/users/${encodeURIComponent(id)}`;

/** A query string of the values that are set. */
function query(values: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(values))
    if (value !== undefined && value !== "") params.set(name, String(value));
  return params.size > 0 ? `?${params}` : "";
}

export class AdminCalls {
  constructor(private readonly rest: RestTransport) {}

  /** Accounts whose username starts with `prefix` (every account for ""), by username. */
  async users(prefix = "", limit = 100): Promise<AdminUserView[]> {
    const path = `/api/v1/admin/users${query({ q: prefix, limit })}`;
    return (await this.rest.request("GET", path, adminUsersResponse)).users;
  }

  /** A new account (is_admin false unless told); the answer holds the generated password when none was given. */
  createUser(body: z.input<typeof adminCreateUserBody>): Promise<AdminCreatedUser> {
    return this.rest.request("POST", "/api/v1/admin/users", adminCreatedUser, body);
  }

  /** Disables or enables an account (its sessions end on every node) or changes its rights. */
  async updateUser(
    id: string,
    changes: { disabled?: boolean; is_admin?: boolean },
  ): Promise<AdminUserView> {
    return (await this.rest.request("PATCH", user(id), adminUserResponse, changes)).user;
  }

  /** Sets a new password (generated when left out) and ends the account's sessions. */
  async resetPassword(id: string, password?: string): Promise<string> {
    const body = password === undefined ? {} : { password };
    const path = `${user(id)}/reset-password`;
    return (await this.rest.request("POST", path, adminPasswordResponse, body)).password;
  }

  /** Removes the account's second factors (a lost phone or key); audited. */
  async resetTwoFactor(id: string): Promise<void> {
    await this.rest.call("DELETE", `${user(id)}/two-factor`);
  }

  async deleteUser(id: string): Promise<void> {
    await this.rest.call("DELETE", user(id));
  }

  /** The account's live sessions, most recently used first. */
  async sessions(id: string): Promise<AdminSessionView[]> {
    return (await this.rest.request("GET", `${user(id)}/sessions`, adminSessionsResponse)).sessions;
  }

  /** Ends every session of the account; answers how many ended. */
  async revokeSessions(id: string): Promise<number> {
    const path = `${user(id)}/sessions`;
    return (await this.rest.request("DELETE", path, revokeAllSessionsResponse)).sessions_ended;
  }

  async revokeSession(id: string, sessionId: string): Promise<void> {
    await this.rest.call("DELETE", `${user(id)}/sessions/${encodeURIComponent(sessionId)}`);
  }

  /** Ends every session of every account, the caller's included. */
  async revokeAllSessions(): Promise<number> {
    const path = "/api/v1/admin/sessions/revoke-all";
    return (await this.rest.request("POST", path, revokeAllSessionsResponse)).sessions_ended;
  }

  async invites(): Promise<InviteView[]> {
    return (await this.rest.request("GET", "/api/v1/admin/invites", invitesResponse)).invites;
  }

  /** A new invite code, shown once in the answer. */
  createInvite(
    options: { expires_in_hours?: number; max_uses?: number } = {},
  ): Promise<AdminCreatedInvite> {
    return this.rest.request("POST", "/api/v1/admin/invites", adminCreatedInvite, options);
  }

  async revokeInvite(id: string): Promise<void> {
    await this.rest.call("DELETE", `/api/v1/admin/invites/${encodeURIComponent(id)}`);
  }

  /** A page of the audit log, newest first; `before` (the last entry's id) pages back. */
  async audit(filter: AuditQuery = {}): Promise<AuditEntryView[]> {
    const path = `/api/v1/admin/audit${query({ ...filter })}`;
    return (await this.rest.request("GET", path, auditResponse)).entries;
  }

  server(): Promise<AdminServerResponse> {
    return this.rest.request("GET", "/api/v1/admin/server", adminServerResponse);
  }

  settings(): Promise<SettingsState> {
    return this.rest.request("GET", "/api/v1/admin/settings", settingsResponse);
  }

  /** Changes settings on every node; a null goes back to the configuration file's value. */
  updateSettings(changes: SettingsBody): Promise<SettingsState> {
    return this.rest.request("PATCH", "/api/v1/admin/settings", settingsResponse, changes);
  }
}
