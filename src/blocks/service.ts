/**
 * Blocking: the people a user blocked, kept private to them. A block takes effect on
 * every node at once (see realtime/relations.ts); what it refuses is checked where the
 * refused thing happens (a direct conversation, a send, a group add).
 */
import type { BlockView } from "@private-chat/protocol/chat";
import { presentUser } from "../auth/present.js";
import { AppError, notFound } from "../errors.js";
import type { DomainEvents } from "../events/bus.js";
import type { Store } from "../storage/store.js";
import type { User } from "../storage/users.js";

export interface Blocked {
  block: BlockView;
  created: boolean;
}

export class BlockService {
  constructor(
    private readonly store: Store,
    private readonly bus: DomainEvents,
  ) {}

  async block(user: User, targetId: string): Promise<Blocked> {
    if (targetId === user.id) throw new AppError("invalid_request", "you cannot block yourself");
    const target = await this.store.users.byId(targetId);
    if (!target || target.disabled) throw notFound("user");
    const created = await this.store.blocks.add(user.id, targetId, Date.now());
    const row = await this.store.blocks.get(user.id, targetId);
    if (created) {
      this.bus.emit("relations.changed", {
        type: "block",
        blockerId: user.id,
        blockedId: targetId,
        blocked: true,
      });
    }
    return {
      block: { user: presentUser(target), created_at: Number(row?.created_at ?? Date.now()) },
      created,
    };
  }

  async list(user: User): Promise<BlockView[]> {
    const rows = await this.store.blocks.of(user.id);
    const users = await this.store.users.byIds(rows.map((r) => r.blocked_id));
    return rows.flatMap((row) => {
      const blocked = users.get(row.blocked_id);
      return blocked ? [{ user: presentUser(blocked), created_at: row.created_at }] : [];
    });
  }

  async unblock(user: User, targetId: string): Promise<void> {
    if (!(await this.store.blocks.remove(user.id, targetId))) {
      throw new AppError("not_found", "you have not blocked this person");
    }
    this.bus.emit("relations.changed", {
      type: "block",
      blockerId: user.id,
      blockedId: targetId,
      blocked: false,
    });
  }
}
