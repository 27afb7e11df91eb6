/**
 * `[auth] require_2fa`: whether an account must have a second factor, and from when.
 * Each account gets the grace period from the later of its creation and the moment the
 * server first ran with the requirement; after it, a session of an account without a
 * factor can only set one up (see ENROLMENT_ROUTES) and opens no socket. Bots sign in
 * with tokens only and are never asked.
 */
import type { Store } from "../../storage/store.js";
import type { User } from "../../storage/users.js";

export type RequireScope = "off" | "admins" | "everyone";

const DAY_MS = 24 * 3600 * 1000;

/** What a session that must set up a second factor may still call. */
export const ENROLMENT_ROUTES: ReadonlySet<string> = new Set([
  "GET /api/v1/me",
  "GET /api/v1/me/two-factor",
  "POST /api/v1/me/two-factor/totp",
  "POST /api/v1/me/two-factor/totp/confirm",
  "POST /api/v1/me/passkeys/options",
  "POST /api/v1/me/passkeys",
  "POST /api/v1/auth/logout",
  "POST /api/v1/auth/password",
  "GET /api/v1/sessions",
  "DELETE /api/v1/sessions/:id",
]);

export class SecondFactorPolicy {
  /** When the server first ran with this requirement (load() reads it at start). */
  private since = Date.now();

  constructor(
    readonly scope: RequireScope,
    private readonly graceDays: number,
  ) {}

  async load(store: Store): Promise<void> {
    this.since = await store.secondFactors.requirementSince(this.scope, Date.now());
  }

  required(user: User): boolean {
    if (user.isBot || this.scope === "off") return false;
    return this.scope === "everyone" || user.isAdmin;
  }

  /** When the account must have one by; null when it need not, or has one. */
  dueAt(user: User): number | null {
    if (user.secondFactor || !this.required(user)) return null;
    return Math.max(this.since, user.createdAt) + this.graceDays * DAY_MS;
  }

  /** Whether the grace period is over for an account still without a factor. */
  overdue(user: User, now: number): boolean {
    const due = this.dueAt(user);
    return due !== null && now >= due;
  }
}
