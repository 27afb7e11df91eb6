/**
 * Invite codes, made and revoked by administrators: a code opens from 1 to
 * MAX_INVITE_USES accounts before it expires; only its hash is stored.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { MAX_INVITE_USES } from "@private-chat/protocol/admin";
import { AppError } from "../errors.js";
import type { Invite } from "../storage/invites.js";
import type { Store } from "../storage/store.js";
import { type AdminActor, adminChange, recordAdminAction } from "./actors.js";

export async function createInvite(
  store: Store,
  actor: AdminActor,
  options: { expiresInHours: number; maxUses?: number },
): Promise<{ invite: Invite; code: string }> {
  if (!Number.isFinite(options.expiresInHours) || options.expiresInHours <= 0) {
    throw new AppError("invalid_request", "an invite must expire after a positive number of hours");
  }
  const maxUses = options.maxUses ?? 1;
  if (!Number.isInteger(maxUses) || maxUses < 1 || maxUses > MAX_INVITE_USES) {
    throw new AppError("invalid_request", `an invite opens from 1 to ${MAX_INVITE_USES} accounts`);
  }
  const code = randomBytes(12).toString("base64url");
  const now = Date.now();
  const invite = await adminChange(store, actor, async (tx) => {
    const created = await tx.invites.create({
      id: randomUUID(),
      code,
      createdBy: actor.id,
      now,
      expiresAt: now + Math.round(options.expiresInHours * 3_600_000),
      maxUses,
    });
    await recordAdminAction(
      tx,
      actor,
      "invite.create",
      { type: "invite", id: created.id },
      { expires_at: created.expiresAt, max_uses: created.maxUses },
      now,
    );
    return created;
  });
  return { invite, code };
}

/** Revokes an unused invite; not_found when it is unknown, used or revoked already. */
export async function revokeInvite(
  store: Store,
  actor: AdminActor,
  inviteId: string,
): Promise<void> {
  const now = Date.now();
  await adminChange(store, actor, async (tx) => {
    if (!(await tx.invites.revoke(inviteId, now))) {
      throw new AppError("not_found", "no unused invite has that id (used or revoked already?)");
    }
    await recordAdminAction(tx, actor, "invite.revoke", { type: "invite", id: inviteId }, {}, now);
  });
}
