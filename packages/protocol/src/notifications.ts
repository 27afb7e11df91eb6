/**
 * Notification preferences, kept on the server so every device of a user follows them:
 * per conversation a level (`all`, `mentions`, `none`) and a mute, per user hours of
 * do not disturb. They decide which new messages are pushed (Web Push); clients use them
 * to show a conversation as muted.
 */
import { z } from "zod/mini";

export const notificationLevel = z.enum(["all", "mentions", "none"]);
export type NotificationLevel = z.infer<typeof notificationLevel>;

/** Groups with more members than this default to `mentions`; the rest to `all`. */
export const MENTIONS_DEFAULT_ABOVE = 25;

/**
 * `muted_until` of a mute that lasts until it is lifted: the latest instant a JavaScript
 * `Date` can hold (+275760-09-13), which no real deadline reaches.
 */
export const MUTED_FOREVER = 8_640_000_000_000_000;

/** The level a conversation has when its member chose none: it follows the member count. */
export function defaultLevel(type: "direct" | "group", memberCount: number): NotificationLevel {
  return type === "group" && memberCount > MENTIONS_DEFAULT_ABOVE ? "mentions" : "all";
}

/** Whether a conversation whose `muted_until` is this is muted at `now`. */
export function isMuted(mutedUntil: number | null | undefined, now = Date.now()): boolean {
  return mutedUntil !== null && mutedUntil !== undefined && mutedUntil > now;
}

/**
 * PUT /api/v1/conversations/{id}/notifications. A field left out stays as it was.
 * `level: null` drops the caller's choice, so the default applies again.
 * `muted_until`: until when (ms since the epoch) nothing of the conversation notifies;
 * `MUTED_FOREVER` for "until I unmute", null (or a past time) to unmute.
 */
export const conversationNotificationsBody = z.strictObject({
  level: z.optional(z.nullable(notificationLevel)),
  muted_until: z.optional(z.nullable(z.int().check(z.minimum(0), z.maximum(MUTED_FOREVER)))),
});
export type ConversationNotificationsBody = z.infer<typeof conversationNotificationsBody>;

/** The fields of a preference as it applies now; shared by its view, event and list. */
export const preferenceFields = {
  /** The level in force: the caller's choice, or the default when `is_default`. */
  level: notificationLevel,
  /** True when the caller chose no level: it follows the conversation's size. */
  is_default: z.boolean(),
  /** Muted until this time (ms since the epoch); `MUTED_FOREVER` until unmuted; null when not muted. */
  muted_until: z.nullable(z.number()),
};

/** The caller's preference, as `notifications` of each conversation in their list. */
export const notificationState = z
  .object(preferenceFields)
  .register(z.globalRegistry, { id: "NotificationState" });
export type NotificationState = z.infer<typeof notificationState>;

/** GET and PUT /api/v1/conversations/{id}/notifications: the caller's preference. */
export const conversationNotifications = z
  .object({ conversation_id: z.string(), ...preferenceFields })
  .register(z.globalRegistry, { id: "ConversationNotifications" });
export type ConversationNotifications = z.infer<typeof conversationNotifications>;

/**
 * What notifies now under a preference: "none" while muted, else its level ("all" when
 * there is none to go by, as for a conversation just opened).
 */
export function levelNow(
  state: NotificationState | undefined,
  now = Date.now(),
): NotificationLevel {
  if (!state) return "all";
  return isMuted(state.muted_until, now) ? "none" : state.level;
}

/** Whether `zone` is an IANA time zone name this runtime knows. */
export function isTimeZone(zone: string): boolean {
  // Names only: offsets such as "+01:00" are accepted by some runtimes but follow no rules.
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(zone)) return false;
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const CLOCK = /^([01]\d|2[0-3]):[0-5]\d$/;

/** Whether `text` is a time of day as do-not-disturb hours take it: HH:MM, 00:00 to 23:59. */
export function isClockTime(text: string): boolean {
  return CLOCK.test(text);
}

const clock = z.string().check(z.regex(CLOCK, "a time of day is HH:MM, 00:00 to 23:59"));

/**
 * Hours of do not disturb: from `start` to `end` (local times, `end` excluded) in
 * `time_zone`, every day. A span that passes midnight (22:00 to 07:00) is one span.
 */
export const doNotDisturb = z
  .strictObject({
    start: clock,
    end: clock,
    time_zone: z
      .string()
      .check(
        z.maxLength(64),
        z.refine(isTimeZone, "time_zone is not an IANA time zone name (such as Europe/Berlin)"),
      ),
  })
  .register(z.globalRegistry, { id: "DoNotDisturb" });
export type DoNotDisturb = z.infer<typeof doNotDisturb>;

/** PUT /api/v1/me/notifications: `dnd: null` turns do not disturb off. */
export const userNotificationsBody = z.strictObject({ dnd: z.nullable(doNotDisturb) });
export type UserNotificationsBody = z.infer<typeof userNotificationsBody>;

export const userNotifications = z
  .object({ dnd: z.nullable(doNotDisturb) })
  .register(z.globalRegistry, { id: "UserNotifications" });
export type UserNotifications = z.infer<typeof userNotifications>;

function minutesOf(time: string): number {
  return Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));
}

/** Whether `at` falls in the do-not-disturb hours. start == end means all day. */
export function inDoNotDisturb(dnd: DoNotDisturb | null, at: number): boolean {
  if (!dnd) return false;
  const parts = new Intl.DateTimeFormat("en-GB", {
    timeZone: dnd.time_zone,
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).formatToParts(at);
  const hour = Number(parts.find((p) => p.type === "hour")?.value ?? 0);
  const minute = Number(parts.find((p) => p.type === "minute")?.value ?? 0);
  const now = hour * 60 + minute;
  const start = minutesOf(dnd.start);
  const end = minutesOf(dnd.end);
  if (start === end) return true;
  return start < end ? now >= start && now < end : now >= start || now < end;
}
