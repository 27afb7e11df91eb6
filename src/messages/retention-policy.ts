/**
 * How long a conversation keeps its messages: its own setting or the server's default,
 * within the server's maximum. Days; 0 means for ever.
 */
import type { Config } from "../config/schema.js";
import { AppError } from "../errors.js";

export type RetentionPolicy = Config["retention"];

/** Keep for ever, and let a group set any time. */
export const NO_RETENTION_LIMIT: RetentionPolicy = { messages_days: 0, max_days: 0 };

export const DAY_MS = 24 * 60 * 60 * 1000;

/** `own`: the conversation's retention_days (null: the server's default). */
export function effectiveDays(own: number | null, policy: RetentionPolicy): number {
  const days = own ?? policy.messages_days;
  if (policy.max_days > 0 && (days === 0 || days > policy.max_days)) return policy.max_days;
  return days;
}

/** Whether any conversation may have messages expire without setting a time itself. */
export function expiresByDefault(policy: RetentionPolicy): boolean {
  return policy.messages_days > 0 || policy.max_days > 0;
}

/** A group's new setting must stay within the server's maximum. */
export function checkRetention(days: number | null, policy: RetentionPolicy): void {
  if (days === null || policy.max_days === 0) return;
  if (days === 0 || days > policy.max_days) {
    throw new AppError(
      "invalid_request",
      `this server keeps messages for at most ${policy.max_days} days: retention_days must be from 1 to ${policy.max_days}, or null for the server's default`,
    );
  }
}
