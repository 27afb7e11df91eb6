/**
 * mute, unmute, notify: the user's notification preference of a conversation, kept on
 * the server so the web app and every other device follow it.
 */
import { type ConversationNotifications, isMuted, MUTED_FOREVER } from "@private-chat/sdk";
import type { Values } from "../args.js";
import { namedConversation } from "../conversation-arg.js";
import { EXIT_OK, usageError } from "../errors.js";
import { formatTime } from "../format.js";
import type { Io } from "../io.js";
import { conversationName } from "../resolve.js";
import { safeInline, safeJson } from "../sanitize.js";

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };
/** A year: longer than that is what "until unmuted" is for. */
const MAX_DURATION_MS = 366 * 86_400_000;

/** "30m", "8h", "2d" in ms; a usage error for anything else. */
export function parseDuration(text: string): number {
  const match = /^(\d{1,6})([mhd])$/.exec(text.trim());
  const ms = match ? Number(match[1]) * (UNIT_MS[match[2] ?? ""] ?? 0) : 0;
  if (!match || ms <= 0 || ms > MAX_DURATION_MS) {
    throw usageError(`--for takes a duration such as 30m, 8h or 2d (at most 366d), not "${text}"`);
  }
  return ms;
}

const LEVELS = ["all", "mentions", "none"] as const;

/** How a preference reads in one line. */
export function describePreference(pref: ConversationNotifications): string {
  const level =
    pref.level === "all" ? "all messages" : pref.level === "mentions" ? "mentions only" : "nothing";
  const chosen = pref.is_default ? `${level} (default)` : level;
  if (!isMuted(pref.muted_until)) return `notify: ${chosen}`;
  const until =
    pref.muted_until === MUTED_FOREVER
      ? "until unmuted"
      : `until ${formatTime(pref.muted_until ?? 0)}`;
  return `muted ${until}; notify: ${chosen}`;
}

async function change(
  values: Values,
  positionals: string[],
  io: Io,
  body: { level?: (typeof LEVELS)[number]; muted_until?: number | null },
): Promise<number> {
  const { credentials, api, conversation: target } = await namedConversation(positionals[0]);
  const result = await api.setConversationNotifications(target.id, body);
  if (values.json) io.out(safeJson(result));
  else
    io.out(
      `${safeInline(conversationName(target, credentials.user_id))}: ${describePreference(result)}`,
    );
  return EXIT_OK;
}

/** mute <conversation> [--for DURATION]: without --for, until unmuted. */
export function mute(values: Values, positionals: string[], io: Io): Promise<number> {
  const span = typeof values.for === "string" ? parseDuration(values.for) : undefined;
  const mutedUntil = span === undefined ? MUTED_FOREVER : Date.now() + span;
  return change(values, positionals, io, { muted_until: mutedUntil });
}

export function unmute(values: Values, positionals: string[], io: Io): Promise<number> {
  return change(values, positionals, io, { muted_until: null });
}

/** notify <conversation> all|mentions|none */
export function notify(values: Values, positionals: string[], io: Io): Promise<number> {
  const level = positionals[1] ?? "";
  if (!(LEVELS as readonly string[]).includes(level))
    throw usageError(`notify takes all, mentions or none, not "${safeInline(level)}"`);
  return change(values, positionals, io, { level: level as (typeof LEVELS)[number] });
}
