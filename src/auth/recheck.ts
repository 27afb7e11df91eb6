/**
 * Authorisation at commit time. The caller is authenticated when the headers arrive, but a
 * slow body can take seconds or minutes: meanwhile the session may be revoked, the account
 * disabled or the admin right removed. `recheckCaller` reads the session and the account
 * again through the transaction that makes the change, so a change commits only if its
 * caller is still allowed to make it at that moment. `recheckAfterBody` does the same
 * (outside a transaction) for every state-changing request once its body is parsed.
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import { sql } from "kysely";
import { AppError } from "../errors.js";
import type { Repositories } from "../storage/store.js";
import { withoutHash } from "../storage/users.js";
import type { Authenticated, AuthService } from "./service.js";

export interface RecheckOptions {
  /** The change needs the admin right as well. */
  admin?: boolean;
}

function sessionEnded(): AppError {
  return new AppError("session_revoked", "this session has ended; sign in again");
}

/**
 * Throws `session_revoked`, `account_disabled` or `forbidden` unless the caller's session
 * is still live, the account enabled and (for admin changes) still an admin, as `tx` sees
 * them. Returns the account as it is now.
 */
export async function recheckCaller(
  tx: Repositories,
  caller: Authenticated,
  options: RecheckOptions = {},
): Promise<Authenticated> {
  const session = await tx.sessions.byId(caller.session.id);
  if (
    !session ||
    session.userId !== caller.user.id ||
    session.revokedAt !== null ||
    session.expiresAt <= Date.now()
  ) {
    throw sessionEnded();
  }
  const user = await tx.users.byId(caller.user.id);
  if (!user) throw sessionEnded();
  if (user.disabled) {
    throw new AppError("account_disabled", "this account is disabled; ask an administrator");
  }
  if (options.admin && !user.isAdmin) {
    throw new AppError("forbidden", "only an administrator can do this");
  }
  return { user: withoutHash(user), session };
}

// Any fixed number: the key of the transaction-scoped lock every admin change takes.
const ADMIN_CHANGES_LOCK = 7_412_031;

/**
 * Serialises changes to accounts' admin and disabled flags on PostgreSQL, so two
 * transactions cannot both read "another admin is left" and then both remove one; the lock
 * ends with the transaction. SQLite has one writer at a time already.
 */
export async function lockAdminChanges(tx: Repositories): Promise<void> {
  if (tx.type === "postgres") {
    await sql`select pg_advisory_xact_lock(${ADMIN_CHANGES_LOCK})`.execute(tx.db);
  }
}

const READ_ONLY = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * A preHandler for the authenticated scope: runs once the body is parsed, and checks the
 * session and account again for any request that changes something, replacing
 * `request.auth` with what is true now. Streamed bodies (uploads) are read in the handler,
 * so their services recheck inside their own transaction as well.
 */
export function recheckAfterBody(auth: AuthService) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    if (READ_ONLY.has(request.method) || !request.auth) return;
    const { user, session } = request.auth;
    request.auth = await auth.sessionOf(user.id, session.id);
  };
}
