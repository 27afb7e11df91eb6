/**
 * Deleting an account, by its person (`DELETE /api/v1/me`) or by an admin (REST and
 * `chat-server user delete`). The account keeps its id, so that what points at it stays
 * whole, but everything else of it goes: its name (free for someone else), display name
 * and password; its sessions, push subscriptions, blocks and uploads never sent, at once
 * and on every node (its sockets close); and its place in every group (as if it left,
 * with the events members see). What happens to the messages it wrote is the server's
 * choice, `[accounts] on_delete`: "anonymize" keeps them under "Deleted user"; "erase"
 * erases them for real, as a deletion does, in the background (account-erasure.ts).
 */
import { randomBytes } from "node:crypto";
import type { AdminActor } from "../admin/actors.js";
import { hashPassword } from "../auth/passwords.js";
import { presentUser } from "../auth/present.js";
import { lockAdminChanges, recheckCaller } from "../auth/recheck.js";
import { removeMember } from "../conversations/members.js";
import { announceRemovals } from "../devices/removal.js";
import { AppError, notFound } from "../errors.js";
import type { DomainEvents } from "../events/bus.js";
import { writeWithEvents } from "../events/log.js";
import type { Store } from "../storage/store.js";
import { withoutHash } from "../storage/users.js";

export type OnDelete = "anonymize" | "erase";

/** The name a deleted account shows wherever it still appears. */
export const DELETED_USER_NAME = "Deleted user";

export interface AccountDeletionDeps {
  store: Store;
  bus: DomainEvents;
  onDelete: OnDelete;
  /** Starts erasing a deleted account's messages now (the retention sweep). */
  startErasure?: () => void;
}

export interface DeletedAccount {
  mode: OnDelete;
  sessionsEnded: number;
  /** Conversations whose messages by the account are queued for erasure. */
  conversationsToErase: number;
}

export async function deleteAccount(
  deps: AccountDeletionDeps,
  userId: string,
  actor: AdminActor,
): Promise<DeletedAccount> {
  const { store, bus, onDelete } = deps;
  const found = await store.users.byId(userId);
  if (!found || found.deletedAt !== null) throw notFound("user");
  const target = withoutHash(found);
  const self = actor.id === userId;
  // Refused before anything changes: a server keeps an administrator who can sign in.
  if (actor.caller && target.isAdmin && !target.disabled) await keepsAnAdmin(store);

  // Leaving each group first, as its own change with its events: the owner's role passes
  // on. A failure here leaves the account as it was, and the deletion can be asked again.
  const conversations = await store.conversations.byIds(
    await store.conversations.conversationIdsOf(userId),
  );
  for (const conversation of conversations.values()) {
    if (conversation.type !== "group") continue;
    await removeMember({ store, bus }, target, conversation.id, userId).catch((err: unknown) => {
      if (!(err instanceof AppError && err.code === "not_found")) throw err;
    });
  }

  // Nobody knows this password: the hash only keeps the column's shape.
  const passwordHash = await hashPassword(randomBytes(32).toString("base64url"));
  const now = Date.now();
  const directs = [...conversations.values()].filter((c) => c.type === "direct");
  const result = await writeWithEvents(store, bus, async (tx, log) => {
    await lockAdminChanges(tx);
    if (actor.caller) await recheckCaller(tx, actor.caller, { admin: !self });
    if (actor.caller && target.isAdmin && !target.disabled) {
      // Again under the lock: two admins deleting each other cannot both go.
      if ((await tx.users.activeAdminCount()) <= 1) throw lastAdmin();
    }
    const deleted = await tx.users.markDeleted(
      userId,
      { username: `deleted-${userId}`, displayName: DELETED_USER_NAME, passwordHash },
      now,
    );
    if (!deleted) throw notFound("user");
    // The other person of each direct conversation sees "Deleted user" at once.
    const shown = await tx.users.byId(userId);
    if (shown) {
      for (const direct of directs) {
        await log.append({
          type: "member.updated",
          conversation_id: direct.id,
          user: presentUser(withoutHash(shown)),
        });
      }
    }
    const sessionsEnded = (await tx.sessions.revokeAllForUser(userId, now)).length;
    await tx.push.removeForSessions(userId, "all");
    await tx.attachments.withdrawUnsentOf(userId, now);
    await tx.blocks.removeAllBy(userId);
    // Its second factors: the TOTP secret, passkeys' keys and recovery codes' hashes.
    await tx.secondFactors.removeAll(userId);
    // And its links to sign-in providers: the same person signing in again is new.
    await tx.externalIdentities.removeForUser(userId);
    // Its devices: their public keys and every key package left in their pools. The
    // encrypted conversations it stays in (its direct chats; it left the groups above)
    // hear of each, so the other person's devices remove them from the group.
    const devices = await tx.devices.of(userId);
    await announceRemovals(
      tx,
      log,
      userId,
      devices.map((d) => d.id),
    );
    await tx.devices.removeAllOf(userId);
    // Its key backup: the wrapped key and every encrypted chunk of history.
    await tx.keyBackups.remove(userId);
    // A deleted bot's outgoing integrations go, with their secrets and queued events.
    await tx.eventSubscriptions.removeForBot(userId);
    await tx.slashCommands.removeForBot(userId);
    const conversationsToErase = onDelete === "erase" ? await tx.accountErasures.queue(userId) : 0;
    await tx.audit.append({
      actor: { id: actor.id, label: actor.label },
      action: "user.delete",
      targetType: "user",
      targetId: userId,
      details: {
        username: target.username,
        mode: onDelete,
        by_self: self,
        sessions_ended: sessionsEnded,
      },
      now,
    });
    return { mode: onDelete, sessionsEnded, conversationsToErase };
  });
  // Every node closes the account's sockets and forgets its pushes.
  bus.emit("user.disabled", { userId });
  bus.emit("sessions.revoked", { userId, sessionIds: "all" });
  if (result.conversationsToErase > 0) deps.startErasure?.();
  return result;
}

function lastAdmin(): AppError {
  return new AppError(
    "conflict",
    "this is the only enabled administrator: make someone else an administrator first",
  );
}

async function keepsAnAdmin(store: Store): Promise<void> {
  if ((await store.users.activeAdminCount()) <= 1) throw lastAdmin();
}
