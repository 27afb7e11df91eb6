/**
 * Administration: accounts, invites, sessions and the audit log, for the `chat-server`
 * CLI and the admin REST API alike. Every change commits together with its audit row;
 * the domain events that close sockets go out only after the commit.
 */
import { randomBytes, randomUUID } from "node:crypto";
import type { AdminServerResponse } from "@private-chat/protocol/admin";
import { hashPassword } from "../auth/passwords.js";
import { validatePassword, validateUsername } from "../auth/service.js";
import { AppError, notFound } from "../errors.js";
import type { DomainEvents } from "../events/bus.js";
import type { GroupLinkService } from "../group-links/service.js";
import type { AuditEntry, AuditFilter } from "../storage/audit.js";
import type { Invite } from "../storage/invites.js";
import type { Session } from "../storage/sessions.js";
import type { Store } from "../storage/store.js";
import { type User, withoutHash } from "../storage/users.js";
import type { DeletedAccount } from "../users/account-deletion.js";
import { storedDisplayName } from "../users/display-name.js";
import { type AdminAction, type AdminActor, adminChange, recordAdminAction } from "./actors.js";
import { createInvite, revokeInvite } from "./invites.js";
import type { RuntimeSettings } from "./runtime-settings.js";

// A page size that stands for "every account" on a self-hosted server.
const EVERY_USER = 1_000_000;

function accountDeleted(): AppError {
  return new AppError("conflict", "this account was deleted; it cannot be changed or used again");
}

export function generatePassword(): string {
  return randomBytes(15).toString("base64url");
}

export interface AdminServiceDeps {
  store: Store;
  /**
   * Set in the server, so sockets close the moment a change commits. The CLI runs in
   * another process and has none: the server notices its changes by rechecking sessions.
   */
  events?: DomainEvents;
  /** Run-time settings (runtime-settings.ts); only the running server has them. */
  settings?: RuntimeSettings;
  /** The server at a glance (server-stats.ts); only the running server has it. */
  serverStats?: () => Promise<AdminServerResponse>;
  /** Provider groups linked to conversations; only the running server has them. */
  groupLinks?: GroupLinkService;
  /** Deletes an account (users/account-deletion.ts, with the server's [accounts] choice). */
  deleteAccount?: (userId: string, actor: AdminActor) => Promise<DeletedAccount>;
}

export interface NewUserInput {
  username: string;
  /** Generated when left out. */
  password?: string;
  displayName?: string;
  admin: boolean;
}

export interface UserChanges {
  disabled?: boolean;
  isAdmin?: boolean;
}

export interface UserUpdate {
  user: User;
  /** What actually changed; empty when the account already was as asked. */
  actions: AdminAction[];
  sessionsEnded: number;
}

export class AdminService {
  constructor(private readonly deps: AdminServiceDeps) {}

  private get store(): Store {
    return this.deps.store;
  }

  private announceRevoked(userId: string): void {
    this.deps.events?.emit("sessions.revoked", { userId, sessionIds: "all" });
  }

  private announceDisabled(userId: string): void {
    this.deps.events?.emit("user.disabled", { userId });
    this.announceRevoked(userId);
  }

  /** Accounts by username, disabled ones included. */
  listUsers(options: { prefix?: string; limit?: number } = {}): Promise<User[]> {
    return this.store.users.list({
      limit: options.limit ?? EVERY_USER,
      includeDisabled: true,
      ...(options.prefix ? { prefix: options.prefix } : {}),
    });
  }

  /** Finds an account by username (any case) or by id. */
  async findUser(ref: string): Promise<User> {
    const found = (await this.store.users.byUsername(ref)) ?? (await this.store.users.byId(ref));
    if (!found) throw new AppError("not_found", `no user is named "${ref}" or has that id`);
    return withoutHash(found);
  }

  async createUser(
    actor: AdminActor,
    input: NewUserInput,
  ): Promise<{ user: User; generatedPassword?: string }> {
    validateUsername(input.username);
    const displayName = storedDisplayName(input.displayName, input.username);
    const password = input.password ?? generatePassword();
    validatePassword(password);
    const passwordHash = await hashPassword(password);
    const now = Date.now();
    const user = await adminChange(this.store, actor, async (tx) => {
      const created = await tx.users.create({
        id: randomUUID(),
        username: input.username,
        displayName,
        passwordHash,
        admin: input.admin,
        now,
      });
      await recordAdminAction(
        tx,
        actor,
        "user.create",
        { type: "user", id: created.id },
        { username: created.username, is_admin: created.isAdmin },
        now,
      );
      return created;
    });
    return input.password === undefined ? { user, generatedPassword: password } : { user };
  }

  /**
   * Disables or enables an account and grants or removes admin rights, in one commit.
   * Disabling ends every session of the account. An admin may do neither to themselves,
   * so a server is never left without an admin who can sign in by accident.
   */
  async updateUser(actor: AdminActor, userId: string, changes: UserChanges): Promise<UserUpdate> {
    if (actor.id === userId && changes.disabled === true) {
      throw new AppError(
        "invalid_request",
        "you cannot disable your own account; ask another administrator",
      );
    }
    if (actor.id === userId && changes.isAdmin === false) {
      throw new AppError(
        "invalid_request",
        "you cannot remove your own admin rights; ask another administrator",
      );
    }
    const now = Date.now();
    const update = await adminChange(this.store, actor, async (tx) => {
      const before = await tx.users.byId(userId);
      if (!before) throw notFound("user");
      if (before.deletedAt !== null) throw accountDeleted();
      const actions: AdminAction[] = [];
      let sessionsEnded = 0;
      const target = { type: "user", id: userId } as const;
      if (changes.disabled !== undefined && changes.disabled !== before.disabled) {
        await tx.users.setDisabled(userId, changes.disabled);
        const action = changes.disabled ? "user.disable" : "user.enable";
        const details: Record<string, unknown> = { username: before.username };
        if (changes.disabled) {
          sessionsEnded = (await tx.sessions.revokeAllForUser(userId, now)).length;
          details.sessions_ended = sessionsEnded;
        }
        await recordAdminAction(tx, actor, action, target, details, now);
        actions.push(action);
      }
      if (changes.isAdmin !== undefined && changes.isAdmin !== before.isAdmin) {
        await tx.users.setAdmin(userId, changes.isAdmin);
        const action = changes.isAdmin ? "user.promote" : "user.demote";
        await recordAdminAction(tx, actor, action, target, { username: before.username }, now);
        actions.push(action);
      }
      const after = await tx.users.byId(userId);
      if (!after) throw notFound("user");
      // Decided by this transaction, under the admin-changes lock: two admins removing each
      // other cannot both see the other one left. The CLI may leave none, on purpose (it
      // warns); it is how an operator recovers.
      const wasActiveAdmin = before.isAdmin && !before.disabled;
      if (actor.caller && wasActiveAdmin && !(after.isAdmin && !after.disabled)) {
        if ((await tx.users.activeAdminCount()) === 0) {
          throw new AppError(
            "conflict",
            "this would leave the server without an enabled administrator",
          );
        }
      }
      return { user: withoutHash(after), actions, sessionsEnded };
    });
    if (update.actions.includes("user.disable")) this.announceDisabled(userId);
    return update;
  }

  /** Sets a new password (generated unless given) and ends every session of the account. */
  async resetPassword(
    actor: AdminActor,
    userId: string,
    password?: string,
  ): Promise<{ user: User; password: string; sessionsEnded: number }> {
    const chosen = password ?? generatePassword();
    validatePassword(chosen);
    const passwordHash = await hashPassword(chosen);
    const now = Date.now();
    const result = await adminChange(this.store, actor, async (tx) => {
      const user = await tx.users.byId(userId);
      if (!user) throw notFound("user");
      if (user.deletedAt !== null) throw accountDeleted();
      await tx.users.setPasswordHash(userId, passwordHash);
      const sessionsEnded = (await tx.sessions.revokeAllForUser(userId, now)).length;
      await recordAdminAction(
        tx,
        actor,
        "user.reset_password",
        { type: "user", id: userId },
        {
          username: user.username,
          generated: password === undefined,
          sessions_ended: sessionsEnded,
        },
        now,
      );
      return { user: withoutHash(user), password: chosen, sessionsEnded };
    });
    this.announceRevoked(userId);
    return result;
  }

  /**
   * Removes every second factor of an account (its authenticator app, passkeys and
   * recovery codes) when its person lost them: they sign in with the password alone and
   * set up new ones. Its sessions stay.
   */
  async resetTwoFactor(actor: AdminActor, userId: string): Promise<User> {
    return adminChange(this.store, actor, async (tx) => {
      const user = await tx.users.byId(userId);
      if (!user) throw notFound("user");
      if (user.deletedAt !== null) throw accountDeleted();
      const totp = await tx.secondFactors.totpOf(userId);
      const passkeys = await tx.secondFactors.passkeysOf(userId);
      await tx.secondFactors.removeAll(userId);
      await recordAdminAction(
        tx,
        actor,
        "user.reset_two_factor",
        { type: "user", id: userId },
        { username: user.username, totp: totp?.confirmedAt != null, passkeys: passkeys.length },
        Date.now(),
      );
      return { ...withoutHash(user), secondFactor: false };
    });
  }

  settings(): RuntimeSettings {
    if (!this.deps.settings) throw new Error("run-time settings are only known to the server");
    return this.deps.settings;
  }

  serverStats(): Promise<AdminServerResponse> {
    if (!this.deps.serverStats) throw new Error("server figures are only known to the server");
    return this.deps.serverStats();
  }

  /** Deletes an account for good; see users/account-deletion.ts. */
  deleteUser(actor: AdminActor, userId: string): Promise<DeletedAccount> {
    if (!this.deps.deleteAccount) throw new Error("account deletion is not set up here");
    return this.deps.deleteAccount(userId, actor);
  }

  createInvite(
    actor: AdminActor,
    options: { expiresInHours: number; maxUses?: number },
  ): Promise<{ invite: Invite; code: string }> {
    return createInvite(this.store, actor, options);
  }

  listInvites(): Promise<Invite[]> {
    return this.store.invites.list();
  }

  revokeInvite(actor: AdminActor, inviteId: string): Promise<void> {
    return revokeInvite(this.store, actor, inviteId);
  }

  /** Ends every session on the server, the caller's own included; returns how many. */
  async revokeAllSessions(actor: AdminActor): Promise<number> {
    const now = Date.now();
    const { ended, userIds } = await adminChange(this.store, actor, async (tx) => {
      const users = await tx.users.list({ limit: EVERY_USER, includeDisabled: true });
      const count = await tx.sessions.revokeAll(now);
      await recordAdminAction(
        tx,
        actor,
        "sessions.revoke_all",
        { type: "sessions", id: null },
        { sessions_ended: count },
        now,
      );
      return { ended: count, userIds: users.map((u) => u.id) };
    });
    // The session table does not say whose sessions it ended, so every account is told;
    // a user with no open socket costs one no-op.
    if (ended > 0) for (const userId of userIds) this.announceRevoked(userId);
    return ended;
  }

  listAudit(filter: AuditFilter): Promise<AuditEntry[]> {
    return this.store.audit.list(filter);
  }

  /** An account's live sessions; not_found for an unknown account. */
  async listSessions(userId: string): Promise<Session[]> {
    if (!(await this.store.users.byId(userId))) throw notFound("user");
    return this.store.sessions.listActive(userId, Date.now());
  }

  /**
   * Ends one session of an account (`sessionId`) or all of them, audited; its sockets close
   * on every node once the change commits. Returns how many ended.
   */
  async revokeSessions(actor: AdminActor, userId: string, sessionId?: string): Promise<number> {
    const now = Date.now();
    const ended = await adminChange(this.store, actor, async (tx) => {
      const user = await tx.users.byId(userId);
      if (!user) throw notFound("user");
      let ids: string[];
      if (sessionId === undefined) ids = await tx.sessions.revokeAllForUser(userId, now);
      else if (await tx.sessions.revoke(sessionId, userId, now)) ids = [sessionId];
      else throw new AppError("not_found", "this account has no live session with that id");
      const details: Record<string, unknown> = { username: user.username };
      if (sessionId === undefined) details.sessions_ended = ids.length;
      else details.session_id = sessionId;
      const action = sessionId === undefined ? "user.sessions_revoked" : "user.session_revoked";
      await recordAdminAction(tx, actor, action, { type: "user", id: userId }, details, now);
      return ids;
    });
    if (ended.length > 0) this.deps.events?.emit("sessions.revoked", { userId, sessionIds: ended });
    return ended.length;
  }
}
