/**
 * Names, initials, colours, counts and times as the app shows them.
 */
import { showName } from "@private-chat/protocol/names";
import type { ConversationView, MemberView, UserView } from "@private-chat/sdk";
import { personName } from "./state/people.js";

export function otherMembers(conv: ConversationView, meId: string | undefined): MemberView[] {
  return conv.members.filter((m) => m.user.id !== meId);
}

export function conversationTitle(conv: ConversationView, meId: string | undefined): string {
  // Names stored before the server normalised them are cleaned here the same way.
  if (conv.type === "group") return showName(conv.title ?? "", "Untitled group");
  const other = otherMembers(conv, meId)[0];
  return other ? showName(other.user.display_name, other.user.username) : "Just you";
}

export function memberName(conv: ConversationView | undefined, userId: string): string {
  const user = conv?.members.find((m) => m.user.id === userId)?.user;
  if (user) return showName(user.display_name, user.username);
  return personName(userId) ?? "Former member";
}

export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const letters = words.length > 1 ? [words[0], words[words.length - 1]] : [name.trim()];
  return (
    letters
      .map((w) => [...(w ?? "")][0] ?? "")
      .join("")
      .toUpperCase() || "?"
  );
}

/** One of eight avatar colour classes, stable per id. */
export function colourClass(id: string): string {
  let hash = 0;
  for (let i = 0; i < id.length; i++) hash = (hash * 31 + id.charCodeAt(i)) | 0;
  return `hue${Math.abs(hash) % 8}`;
}

export function userLabel(user: UserView): string {
  const name = showName(user.display_name, user.username);
  return name === user.username ? `@${user.username}` : `${name} (@${user.username})`;
}

const time = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit" });
const weekday = new Intl.DateTimeFormat(undefined, { weekday: "short" });
const date = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric" });
const longDate = new Intl.DateTimeFormat(undefined, {
  weekday: "long",
  month: "long",
  day: "numeric",
  year: "numeric",
});
const full = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

function startOfDay(ms: number): number {
  const d = new Date(ms);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

export function clockTime(ms: number): string {
  return time.format(ms);
}

export function fullTime(ms: number): string {
  return full.format(ms);
}

/** Short stamp for the conversation list: time today, weekday this week, else date. */
export function listTime(ms: number, now = Date.now()): string {
  const days = (startOfDay(now) - startOfDay(ms)) / 86_400_000;
  if (days < 1) return time.format(ms);
  if (days < 7) return weekday.format(ms);
  return date.format(ms);
}

export function dayLabel(ms: number, now = Date.now()): string {
  const days = Math.round((startOfDay(now) - startOfDay(ms)) / 86_400_000);
  if (days === 0) return "Today";
  if (days === 1) return "Yesterday";
  return longDate.format(ms);
}

/** A day, written out ("Monday, 7 December 2026"), for dates a person plans by. */
export function dayText(ms: number): string {
  return longDate.format(ms);
}

export function sameDay(a: number, b: number): boolean {
  return startOfDay(a) === startOfDay(b);
}

export function lastSeen(ms: number | null): string {
  if (!ms) return "offline";
  const minutes = Math.round((Date.now() - ms) / 60_000);
  if (minutes < 1) return "last seen just now";
  if (minutes < 60) return `last seen ${minutes} min ago`;
  return `last seen ${listTime(ms)}`;
}

/** A count with its word: "1 message", "3 messages". */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

export function joinNames(names: string[]): string {
  if (names.length <= 1) return names[0] ?? "";
  if (names.length === 2) return `${names[0]} and ${names[1]}`;
  if (names.length === 3) return `${names[0]}, ${names[1]} and ${names[2]}`;
  return `${names[0]}, ${names[1]} and ${names.length - 2} others`;
}

/** A length of time in its two largest units: "3 d 4 h", "5 h 12 min", "40 s". */
export function duration(seconds: number): string {
  const units: [string, number][] = [
    ["d", 86_400],
    ["h", 3_600],
    ["min", 60],
    ["s", 1],
  ];
  const whole = Math.max(0, Math.floor(seconds));
  const first = units.findIndex(([, size]) => whole >= size);
  if (first < 0) return "0 s";
  const [name, size] = units[first] as [string, number];
  const text = `${Math.floor(whole / size)} ${name}`;
  const next = units[first + 1];
  const rest = next ? Math.floor((whole % size) / next[1]) : 0;
  return next && rest > 0 ? `${text} ${rest} ${next[0]}` : text;
}

/** A short name for the device behind a user agent ("Firefox on Linux"). */
export function device(agent: string): string {
  if (!agent) return "Unknown device";
  const browser = /Firefox|Edg|Chrome|Safari/.exec(agent)?.[0]?.replace("Edg", "Edge") ?? "";
  const os =
    /Android|iPhone|iPad|Windows|Mac OS X|Linux/.exec(agent)?.[0]?.replace("Mac OS X", "macOS") ??
    "";
  return [browser, os].filter(Boolean).join(" on ") || agent.slice(0, 60);
}
