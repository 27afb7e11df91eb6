/**
 * dnd: the user's do-not-disturb hours, kept on the server so no device is pushed during
 * them. `dnd` shows them, `dnd 22:00 07:00 [--zone Europe/Berlin]` sets them (in this
 * machine's time zone unless --zone says otherwise), `dnd off` turns them off.
 */
import {
  type DoNotDisturb,
  isClockTime,
  isTimeZone,
  type UserNotifications,
} from "@private-chat/sdk";
import { stringOption, type Values } from "../args.js";
import { requireCredentials } from "../current-user.js";
import { EXIT_OK, usageError } from "../errors.js";
import type { Io } from "../io.js";
import { safeInline, safeJson } from "../sanitize.js";
import { apiFor } from "../session.js";

/** How the hours read in one line. */
export function describeDnd(dnd: DoNotDisturb | null): string {
  if (!dnd) return "do not disturb: off";
  const zone = safeInline(dnd.time_zone);
  // Equal start and end mean the whole day (the server's rule), which "09:00 to 09:00" hides.
  if (dnd.start === dnd.end) return `do not disturb: all day (${zone})`;
  return `do not disturb: ${safeInline(dnd.start)} to ${safeInline(dnd.end)} (${zone})`;
}

/** "22:00" as given, "7:05" as "07:05"; a usage error for anything else. */
export function parseClock(text: string): string {
  const padded = /^\d:\d\d$/.test(text) ? `0${text}` : text;
  if (!isClockTime(padded))
    throw usageError(`dnd takes times as HH:MM, 00:00 to 23:59, not "${safeInline(text)}"`);
  return padded;
}

/** This machine's time zone, as the runtime names it (UTC when it names none). */
export function localZone(): string {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return zone && isTimeZone(zone) ? zone : "UTC";
}

/** The request the command line asks for: null to show, else the new setting. */
export function dndChange(
  values: Values,
  positionals: string[],
): { dnd: DoNotDisturb | null } | null {
  const zoneOption = stringOption(values, "zone");
  if (positionals.length === 2) {
    const start = parseClock(positionals[0] ?? "");
    const end = parseClock(positionals[1] ?? "");
    const zone = zoneOption ?? localZone();
    if (!isTimeZone(zone))
      throw usageError(
        `--zone takes an IANA time zone name such as Europe/Berlin or UTC, not "${safeInline(zone)}"`,
      );
    return { dnd: { start, end, time_zone: zone } };
  }
  if (zoneOption !== undefined) throw usageError("dnd: --zone goes with a start and an end time");
  if (positionals.length === 0) return null;
  if (positionals[0] === "off") return { dnd: null };
  throw usageError(
    `dnd takes a start and an end time (dnd 22:00 07:00) or off, not "${safeInline(positionals[0] ?? "")}"`,
  );
}

/** dnd [START END [--zone ZONE] | off] [--json] */
export async function dnd(values: Values, positionals: string[], io: Io): Promise<number> {
  // The command line is checked before anything is sent, or even the session read.
  const change = dndChange(values, positionals);
  const api = apiFor(await requireCredentials());
  const result: UserNotifications = change
    ? await api.setMyNotifications(change)
    : await api.myNotifications();
  io.out(values.json ? safeJson(result) : describeDnd(result.dnd));
  return EXIT_OK;
}
