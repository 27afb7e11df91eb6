/**
 * Whose username and password a sign-in gives: a local account's, checked against its
 * hash, or — with a directory configured — a directory person's, checked by the
 * directory. A username that is not a local account, or one linked to the directory,
 * goes to the directory; a local account whose password is wrong is tried there too, so
 * that a directory person whose name is taken here is told so instead of "wrong
 * password" (the directory refuses to take the account over).
 */
import { AppError } from "../errors.js";
import type { User, UserWithHash } from "../storage/users.js";
import { withoutHash } from "../storage/users.js";
import { verifyPassword } from "./passwords.js";

/** The directory's side of a sign-in (src/ldap/sign-in.ts). */
export interface DirectorySignIn {
  handles(found: UserWithHash | undefined): Promise<boolean>;
  verify(username: string, password: string): Promise<User | undefined>;
  confirm(userId: string, password: string): Promise<boolean | undefined>;
  refusePasswordChange(userId: string): Promise<void>;
}

export interface Verified {
  user: User;
  /** "password" or "ldap": the start of the session's method. */
  via: string;
}

/** The account signed in, or undefined for a wrong username or password. */
export async function checkCredentials(
  found: UserWithHash | undefined,
  { username, password }: { username: string; password: string },
  directory: DirectorySignIn | undefined,
): Promise<Verified | undefined> {
  if (directory && (await directory.handles(found))) {
    const user = await directory.verify(username, password);
    return user ? { user, via: "ldap" } : undefined;
  }
  // A bot has no password: it signs in with its tokens only.
  if (found && (await verifyPassword(found.isBot ? undefined : found.passwordHash, password)))
    return { user: withoutHash(found), via: "password" };
  if (!directory || !found || found.isBot) return undefined;
  try {
    const user = await directory.verify(username, password);
    return user ? { user, via: "ldap" } : undefined;
  } catch (err) {
    // A directory away must not turn a local account's wrong password into a 503 that
    // the throttle does not count.
    if (err instanceof AppError && err.code === "provider_unavailable") return undefined;
    throw err;
  }
}

/** Whether `password` is the account's own: the directory's, for one linked to it. */
export async function isOwnPassword(
  user: UserWithHash,
  password: string,
  directory: DirectorySignIn | undefined,
): Promise<boolean> {
  const byDirectory = await directory?.confirm(user.id, password);
  return byDirectory ?? verifyPassword(user.passwordHash, password);
}
