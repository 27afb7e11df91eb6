/**
 * Notification preferences: per member and conversation a chosen level and a mute,
 * per user do-not-disturb hours. Only the user they belong to ever reads them.
 */
import type { DoNotDisturb, NotificationLevel } from "@private-chat/protocol/notifications";
import type { Kysely } from "kysely";
import type { Database } from "./schema.js";

export interface PreferenceRow {
  conversation_id: string;
  /** null: no choice, the default applies. */
  level: NotificationLevel | null;
  muted_until: number | null;
}

/** What the send path needs to know of one recipient. */
export interface RecipientPreference {
  level: NotificationLevel | null;
  muted_until: number | null;
  dnd: DoNotDisturb | null;
}

// SQLite caps the number of bound parameters in one statement.
const CHUNK = 500;

function dndOf(row: {
  dnd_start: string | null;
  dnd_end: string | null;
  dnd_time_zone: string | null;
}): DoNotDisturb | null {
  if (row.dnd_start === null || row.dnd_end === null || row.dnd_time_zone === null) return null;
  return { start: row.dnd_start, end: row.dnd_end, time_zone: row.dnd_time_zone };
}

function toPreference(row: {
  conversation_id: string;
  level: string | null;
  muted_until: number | string | null;
}): PreferenceRow {
  return {
    conversation_id: row.conversation_id,
    level: row.level as NotificationLevel | null,
    muted_until: row.muted_until === null ? null : Number(row.muted_until),
  };
}

export class NotificationStore {
  constructor(private readonly db: Kysely<Database>) {}

  /** The user's stored preferences among `conversationIds` (none stored: absent). */
  async preferencesOf(
    userId: string,
    conversationIds: string[],
  ): Promise<Map<string, PreferenceRow>> {
    const found = new Map<string, PreferenceRow>();
    for (let i = 0; i < conversationIds.length; i += CHUNK) {
      const rows = await this.db
        .selectFrom("notification_preferences")
        .select(["conversation_id", "level", "muted_until"])
        .where("user_id", "=", userId)
        .where("conversation_id", "in", conversationIds.slice(i, i + CHUNK))
        .execute();
      for (const row of rows) found.set(row.conversation_id, toPreference(row));
    }
    return found;
  }

  /** Stores a preference; one with neither a level nor a mute is removed. */
  async setPreference(userId: string, pref: PreferenceRow, now: number): Promise<void> {
    if (pref.level === null && pref.muted_until === null) {
      await this.db
        .deleteFrom("notification_preferences")
        .where("user_id", "=", userId)
        .where("conversation_id", "=", pref.conversation_id)
        .execute();
      return;
    }
    await this.db
      .insertInto("notification_preferences")
      .values({
        user_id: userId,
        conversation_id: pref.conversation_id,
        level: pref.level,
        muted_until: pref.muted_until,
        updated_at: now,
      })
      .onConflict((oc) =>
        oc.columns(["conversation_id", "user_id"]).doUpdateSet({
          level: pref.level,
          muted_until: pref.muted_until,
          updated_at: now,
        }),
      )
      .execute();
  }

  async doNotDisturb(userId: string): Promise<DoNotDisturb | null> {
    const row = await this.db
      .selectFrom("notification_settings")
      .select(["dnd_start", "dnd_end", "dnd_time_zone"])
      .where("user_id", "=", userId)
      .executeTakeFirst();
    return row ? dndOf(row) : null;
  }

  async setDoNotDisturb(userId: string, dnd: DoNotDisturb | null, now: number): Promise<void> {
    const values = {
      dnd_start: dnd?.start ?? null,
      dnd_end: dnd?.end ?? null,
      dnd_time_zone: dnd?.time_zone ?? null,
      updated_at: now,
    };
    await this.db
      .insertInto("notification_settings")
      .values({ user_id: userId, ...values })
      .onConflict((oc) => oc.column("user_id").doUpdateSet(values))
      .execute();
  }

  /**
   * For the push path: what keeps each pair of a conversation and one of its recipients
   * quiet, for a whole batch of messages in two statements (per 500 users): each pair's
   * preference, and each user's do-not-disturb hours. Pairs and users with neither are
   * missing; the result is keyed by conversation, then user.
   */
  async forRecipients(
    recipients: ReadonlyMap<string, readonly string[]>,
  ): Promise<Map<string, Map<string, RecipientPreference>>> {
    const conversationIds = [...recipients.keys()];
    const userIds = [...new Set([...recipients.values()].flat())];
    const prefs = new Map<string, { level: string | null; muted_until: number | string | null }>();
    const dnd = new Map<string, DoNotDisturb>();
    for (let i = 0; i < userIds.length; i += CHUNK) {
      const users = userIds.slice(i, i + CHUNK);
      for (let j = 0; j < conversationIds.length; j += CHUNK) {
        const rows = await this.db
          .selectFrom("notification_preferences")
          .select(["user_id", "conversation_id", "level", "muted_until"])
          .where("user_id", "in", users)
          .where("conversation_id", "in", conversationIds.slice(j, j + CHUNK))
          .execute();
        for (const row of rows) prefs.set(`${row.conversation_id} ${row.user_id}`, row);
      }
      const hours = await this.db
        .selectFrom("notification_settings")
        .select(["user_id", "dnd_start", "dnd_end", "dnd_time_zone"])
        .where("user_id", "in", users)
        .where("dnd_start", "is not", null)
        .execute();
      for (const row of hours) {
        const window = dndOf(row);
        if (window) dnd.set(row.user_id, window);
      }
    }
    const found = new Map<string, Map<string, RecipientPreference>>();
    for (const [conversationId, users] of recipients) {
      const forConversation = new Map<string, RecipientPreference>();
      for (const userId of users) {
        const pref = prefs.get(`${conversationId} ${userId}`);
        const window = dnd.get(userId) ?? null;
        if (!pref && !window) continue;
        forConversation.set(userId, {
          level: (pref?.level ?? null) as NotificationLevel | null,
          muted_until:
            pref?.muted_until === null || pref?.muted_until === undefined
              ? null
              : Number(pref.muted_until),
          dnd: window,
        });
      }
      found.set(conversationId, forConversation);
    }
    return found;
  }
}
