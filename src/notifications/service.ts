/**
 * Notification preferences, kept on the server so every device of a user follows them.
 * A change is logged as an event addressed to the user alone, so their other devices
 * hear it live (on any node) and through sync after a reconnect.
 */
import type { ConversationView } from "@private-chat/protocol/chat";
import {
  type ConversationNotifications,
  type ConversationNotificationsBody,
  defaultLevel,
  isMuted,
  type UserNotifications,
  type UserNotificationsBody,
} from "@private-chat/protocol/notifications";
import { conversationNotFound } from "../conversations/policy.js";
import type { DomainEvents } from "../events/bus.js";
import { writeWithEvents } from "../events/log.js";
import type { PreferenceRow } from "../storage/notifications.js";
import type { Store } from "../storage/store.js";
import type { User } from "../storage/users.js";

/** The preference as it applies at `now`: the default filled in, a past mute dropped. */
export function presentPreference(
  conversationId: string,
  type: "direct" | "group",
  memberCount: number,
  stored: PreferenceRow | undefined,
  now = Date.now(),
): ConversationNotifications {
  const level = stored?.level ?? null;
  const mutedUntil = stored?.muted_until ?? null;
  return {
    conversation_id: conversationId,
    level: level ?? defaultLevel(type, memberCount),
    is_default: level === null,
    muted_until: isMuted(mutedUntil, now) ? mutedUntil : null,
  };
}

export class NotificationService {
  constructor(
    private readonly store: Store,
    private readonly bus: DomainEvents,
  ) {}

  /** The conversation's type and member count, for a member only (else 404). */
  private async shape(
    userId: string,
    conversationId: string,
  ): Promise<{ type: "direct" | "group"; count: number }> {
    const repos = this.store;
    const self = await repos.conversations.member(conversationId, userId);
    const conversation = self ? await repos.conversations.byId(conversationId) : undefined;
    if (!self || !conversation) throw conversationNotFound();
    const count = (await repos.conversations.memberIds(conversationId)).length;
    return { type: conversation.type, count };
  }

  async get(user: User, conversationId: string): Promise<ConversationNotifications> {
    const { type, count } = await this.shape(user.id, conversationId);
    const stored = await this.store.notifications.preferencesOf(user.id, [conversationId]);
    return presentPreference(conversationId, type, count, stored.get(conversationId));
  }

  /** Changes what the body names, keeps the rest; tells the user's other devices. */
  async put(
    user: User,
    conversationId: string,
    body: ConversationNotificationsBody,
  ): Promise<ConversationNotifications> {
    const { type, count } = await this.shape(user.id, conversationId);
    return writeWithEvents(this.store, this.bus, async (tx, log) => {
      const now = Date.now();
      const before = (await tx.notifications.preferencesOf(user.id, [conversationId])).get(
        conversationId,
      );
      const mutedUntil =
        body.muted_until === undefined ? (before?.muted_until ?? null) : body.muted_until;
      const next: PreferenceRow = {
        conversation_id: conversationId,
        level: body.level === undefined ? (before?.level ?? null) : body.level,
        // A past deadline is no mute: nothing is kept of it.
        muted_until: isMuted(mutedUntil, now) ? mutedUntil : null,
      };
      await tx.notifications.setPreference(user.id, next, now);
      const view = presentPreference(conversationId, type, count, next, now);
      await log.append(
        {
          type: "notifications.updated",
          conversation_id: conversationId,
          level: view.level,
          is_default: view.is_default,
          muted_until: view.muted_until,
        },
        { userId: user.id },
      );
      return view;
    });
  }

  async settings(user: User): Promise<UserNotifications> {
    return { dnd: await this.store.notifications.doNotDisturb(user.id) };
  }

  async putSettings(user: User, body: UserNotificationsBody): Promise<UserNotifications> {
    // The zone as the runtime spells it (`europe/berlin` is stored as `Europe/Berlin`).
    const dnd = body.dnd && {
      ...body.dnd,
      time_zone: new Intl.DateTimeFormat("en", { timeZone: body.dnd.time_zone }).resolvedOptions()
        .timeZone,
    };
    await writeWithEvents(this.store, this.bus, async (tx, log) => {
      await tx.notifications.setDoNotDisturb(user.id, dnd, Date.now());
      await log.append({ type: "dnd.updated", conversation_id: null, dnd }, { userId: user.id });
    });
    return { dnd };
  }

  /** Adds the caller's preference to conversation views, with one query for them all. */
  async decorate(userId: string, views: ConversationView[]): Promise<ConversationView[]> {
    if (views.length === 0) return views;
    const stored = await this.store.notifications.preferencesOf(
      userId,
      views.map((v) => v.id),
    );
    const now = Date.now();
    return views.map((view) => {
      const { conversation_id: _id, ...notifications } = presentPreference(
        view.id,
        view.type,
        view.members.length,
        stored.get(view.id),
        now,
      );
      return { ...view, notifications };
    });
  }
}
