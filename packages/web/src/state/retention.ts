/**
 * How long a group keeps its messages: the choices its owner and admins have (within the
 * server's maximum), how a setting reads, and the change itself.
 */
import type { ServerInfo } from "@private-chat/sdk";
import { api } from "../api.js";
import { failed } from "./actions.js";
import { chat } from "./chat.js";
import { serverInfo } from "./server-info.js";

export type RetentionPolicy = ServerInfo["retention"];

/** A group's setting: days, 0 as long as allowed, null the server's default. */
export type RetentionSetting = number | null;

const PRESETS = [1, 7, 30, 90, 365];

export function daysText(days: number): string {
  if (days === 0) return "for ever";
  if (days % 365 === 0) return days === 365 ? "1 year" : `${days / 365} years`;
  return days === 1 ? "1 day" : `${days} days`;
}

/** How long the setting keeps messages, in words. */
export function settingText(setting: RetentionSetting, policy: RetentionPolicy): string {
  if (setting === null) return `Server default (${daysText(policy.messages_days)})`;
  if (setting === 0)
    return policy.max_days > 0 ? `As long as allowed (${daysText(policy.max_days)})` : "For ever";
  return daysText(setting);
}

/** The settings a group may choose, the current one always among them. */
export function retentionChoices(
  current: RetentionSetting,
  policy: RetentionPolicy,
): RetentionSetting[] {
  const max = policy.max_days;
  const days = PRESETS.filter((d) => max === 0 || d <= max);
  if (max > 0 && !days.includes(max)) days.push(max);
  const choices: RetentionSetting[] = [null, ...days];
  if (max === 0) choices.push(0);
  if (!choices.includes(current)) choices.push(current);
  return choices;
}

/** The server's [retention]. */
export function retentionPolicy(): Promise<RetentionPolicy> {
  return serverInfo().then((info) => info.retention);
}

export async function setRetention(
  conversationId: string,
  days: RetentionSetting,
): Promise<boolean> {
  try {
    const conv = await api.updateConversation(conversationId, { retention_days: days });
    chat.update((s) => {
      const old = s.convs[conversationId];
      if (!old) return s;
      const changed = { ...old, retention_days: conv.retention_days ?? null };
      return { ...s, convs: { ...s.convs, [conversationId]: changed } };
    });
    return true;
  } catch (err) {
    failed(err);
    return false;
  }
}
