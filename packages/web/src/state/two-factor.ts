/**
 * The signed-in account's second factors as the server last told them: what Settings
 * lists, and whether the server requires one ([auth] require_2fa) — by a date, during the
 * grace period (a banner says so), or now, when the grace is over: then the app shows
 * only the set-up screen, since the server answers nothing else and opens no socket.
 */
import type { TwoFactorStatus } from "@private-chat/sdk";
import { api } from "../api.js";
import { createStore } from "./store.js";

export const twoFactor = createStore<{
  status: TwoFactorStatus | null;
  overdue: boolean;
  /**
   * The set-up screen shows: the grace period was over. It stays after a factor is set up,
   * until the person has seen their recovery codes and goes on (finishEnrolment()).
   */
  enrolling: boolean;
}>({ status: null, overdue: false, enrolling: false });

export function isOverdue(status: TwoFactorStatus, now = Date.now()): boolean {
  return status.required_by !== null && now >= status.required_by;
}

/** Asks the server afresh; undefined when it could not be asked (the caller decides). */
export async function loadTwoFactor(): Promise<TwoFactorStatus | undefined> {
  try {
    const status = await api.twoFactor.status();
    const overdue = isOverdue(status);
    twoFactor.update((s) => ({ status, overdue, enrolling: s.enrolling || overdue }));
    return status;
  } catch {
    return undefined;
  }
}

export function forgetTwoFactor(): void {
  twoFactor.set({ status: null, overdue: false, enrolling: false });
}

/** Whether a second factor is due and not set up: the reminder's date, or null. */
export function dueDate(status: TwoFactorStatus | null): number | null {
  return status?.required_by ?? null;
}
