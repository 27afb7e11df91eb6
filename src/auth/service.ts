/**
 * Accounts and sessions: register, sign in and out, authenticate a token, change a
 * password. Used by the REST routes, the socket handshake and the admin CLI alike.
 */
import { randomUUID } from "node:crypto";
import {
  type AuthResponse,
  type ChangePasswordBody,
  type LoginBody,
  PASSWORD_MAX,
  PASSWORD_MIN,
  type RegisterBody,
  USERNAME_PATTERN,
} from "@private-chat/protocol/rest";
import { AppError } from "../errors.js";
import type { DomainEvents } from "../events/bus.js";
import type { Session } from "../storage/sessions.js";
import type { Store } from "../storage/store.js";
import type { User, UserWithHash } from "../storage/users.js";
import { withoutHash } from "../storage/users.js";
import { storedDisplayName } from "../users/display-name.js";
import { hashSecret, looksLikeAccessToken } from "./access-tokens.js";
import { checkCredentials, type DirectorySignIn, isOwnPassword } from "./credentials.js";
import { hashPassword } from "./passwords.js";
import { presentUser } from "./present.js";
import { recheckCaller } from "./recheck.js";
import type { AuthThrottles } from "./throttles.js";
import type { TokenService } from "./tokens.js";
import type { SecondFactorInput, TwoFactorService } from "./two-factor/service.js";

/** Who is making a request, as far as the network tells. */
export interface ClientContext {
  ip: string;
  userAgent: string;
  /** The origin the request was sent to (passkeys are bound to it); absent off HTTP. */
  origin?: string;
}

export interface Authenticated {
  user: User;
  session: Session;
  /**
   * The server requires a second factor of this account ([auth] require_2fa), its grace
   * period is over and it has none: it may only set one up.
   */
  enrolmentDue?: boolean;
}

export type RegistrationMode = "open" | "invite" | "closed";

// Last-seen stamps are written at most this often per session, not on every request.
const TOUCH_INTERVAL_MS = 60_000;

export function validateUsername(username: string): void {
  if (!USERNAME_PATTERN.test(username)) {
    throw new AppError(
      "invalid_username",
      "a username is 3 to 32 characters of a-z, 0-9, '_', '.' and '-'",
    );
  }
}

export function validatePassword(password: string): void {
  const length = [...password].length;
  if (length < PASSWORD_MIN || length > PASSWORD_MAX) {
    throw new AppError(
      "invalid_password",
      `a password is ${PASSWORD_MIN} to ${PASSWORD_MAX} characters long`,
    );
  }
}

export interface AuthServiceDeps {
  store: Store;
  tokens: TokenService;
  throttles: AuthThrottles;
  /**
   * The provider an account must sign in through (`disable_local_password`), if any: its
   * password and passkeys then sign it in no more.
   */
  providerOnly?: (userId: string) => Promise<string | undefined>;
  events: DomainEvents;
  /** Read at each registration (an admin may change it at run time). */
  registration: () => RegistrationMode;
  tokenExpirySeconds: number;
  onAuthFailure?: (reason: string) => void;
  /** Second factors; without it (tools, some tests) no account is asked for one. */
  twoFactor?: TwoFactorService;
  /** The LDAP directory people may sign in with, when `[ldap]` is configured. */
  directory?: DirectorySignIn;
}

export class AuthService {
  constructor(private readonly deps: AuthServiceDeps) {}

  /** A new session of `user`, signed in by `method`, and its token. */
  async issue(user: User, client: ClientContext, method = "password"): Promise<AuthResponse> {
    return this.tokenFor(user, await this.startSession(user, client, method));
  }

  /** A new sign-in session of `user`; tokenFor() gives its token. */
  startSession(user: User, client: ClientContext, method: string): Promise<Session> {
    const now = Date.now();
    return this.deps.store.sessions.create({
      id: randomUUID(),
      userId: user.id,
      createdAt: now,
      expiresAt: now + this.deps.tokenExpirySeconds * 1000,
      userAgent: client.userAgent,
      ip: client.ip,
      method,
    });
  }

  async tokenFor(user: User, session: Session): Promise<AuthResponse> {
    const token = await this.deps.tokens.sign(
      user.id,
      session.id,
      session.createdAt,
      session.expiresAt,
    );
    return { user: presentUser(user), token, expires_at: session.expiresAt };
  }

  /**
   * The invite is checked before the username, so a bad or missing code answers the same
   * whatever the username, and before the password is hashed, so a guess costs no argon2
   * work. Unknown invite codes and taken usernames count as failures of the registration
   * throttle (per username and per address, like sign-in).
   */
  async register(body: RegisterBody, client: ClientContext): Promise<AuthResponse> {
    const mode = this.deps.registration();
    if (mode === "closed") {
      throw new AppError(
        "registration_closed",
        "this server does not accept new accounts; ask an administrator",
      );
    }
    const throttle = this.deps.throttles.registration;
    const now = Date.now();
    await throttle.check(body.username, client.ip, now);
    const refuse = async (error: AppError): Promise<never> => {
      await throttle.recordFailure(body.username, client.ip, now);
      throw error;
    };
    const badInvite = () =>
      new AppError("invalid_invite", "the invite code is unknown, used, revoked or expired");
    if (mode === "invite") {
      if (!body.invite_code) {
        throw new AppError("invite_required", "this server needs an invite code to register");
      }
      if (!(await this.deps.store.invites.usable(body.invite_code, now))) {
        return refuse(badInvite());
      }
    }
    validateUsername(body.username);
    validatePassword(body.password);
    if (await this.deps.store.users.byUsername(body.username)) {
      return refuse(new AppError("username_taken", `the username "${body.username}" is taken`));
    }
    const displayName = storedDisplayName(body.display_name, body.username);
    const passwordHash = await hashPassword(body.password);
    let user: User;
    try {
      user = await this.deps.store.transaction(async (tx) => {
        const created = await tx.users.create({
          id: randomUUID(),
          username: body.username,
          displayName,
          passwordHash,
          admin: "first",
          now,
        });
        // Checked again here: another registration may have used the code meanwhile.
        if (
          mode === "invite" &&
          !(await tx.invites.consume(body.invite_code ?? "", created.id, now))
        ) {
          throw badInvite();
        }
        return created;
      });
    } catch (err) {
      // Lost a race for the username or the invite: a failure like the checks above.
      if (
        err instanceof AppError &&
        (err.code === "username_taken" || err.code === "invalid_invite")
      )
        return refuse(err);
      throw err;
    }
    return this.issue(user, client);
  }

  async login(body: LoginBody, client: ClientContext): Promise<AuthResponse> {
    const now = Date.now();
    const throttle = this.deps.throttles.signIn;
    await throttle.check(body.username, client.ip, now);
    const found = await this.deps.store.users.byUsername(body.username);
    const verified = await checkCredentials(found, body, this.deps.directory);
    if (!verified) {
      await throttle.recordFailure(body.username, client.ip, now);
      this.deps.onAuthFailure?.("invalid_credentials");
      throw new AppError("invalid_credentials", "the username or password is wrong");
    }
    const { user, via } = verified;
    if (user.disabled) {
      this.deps.onAuthFailure?.("account_disabled");
      throw new AppError("account_disabled", "this account is disabled; ask an administrator");
    }
    await this.refuseIfProviderOnly(user.id);
    let method = via;
    try {
      // "password+totp" and the like; "ldap+totp" for a directory's password.
      const factor = await this.deps.twoFactor?.checkAtSignIn(user, body, client);
      if (factor) method = factor.replace(/^password/, via);
    } catch (err) {
      // A wrong code spends the same budget as a wrong password; a missing one does not.
      if (err instanceof AppError && err.code === "invalid_second_factor") {
        await throttle.recordFailure(body.username, client.ip, now);
        this.deps.onAuthFailure?.("invalid_second_factor");
      }
      throw err;
    }
    await throttle.recordSuccess(body.username);
    return this.issue(user, client, method);
  }

  /**
   * Signs in with a passkey alone: the authenticator verified its person (PIN or
   * biometrics), so it counts as two factors. Failures spend the address's budget (and
   * the account's, when the passkey names one).
   */
  async passkeySignIn(
    answer: SecondFactorInput["passkey"] & object,
    client: ClientContext,
  ): Promise<AuthResponse> {
    const twoFactor = this.deps.twoFactor;
    if (!twoFactor) throw new AppError("not_found", "passkeys are not enabled here");
    const now = Date.now();
    const throttle = this.deps.throttles.signIn;
    const key = `passkey:${answer.id.slice(0, 128)}`;
    await throttle.check(key, client.ip, now);
    let userId: string;
    try {
      userId = await twoFactor.passkeyAlone(answer, client);
    } catch (err) {
      await throttle.recordFailure(key, client.ip, now);
      this.deps.onAuthFailure?.("invalid_second_factor");
      throw err;
    }
    const found = await this.deps.store.users.byId(userId);
    if (!found || found.disabled || found.deletedAt !== null || found.isBot) {
      this.deps.onAuthFailure?.("account_disabled");
      throw new AppError("account_disabled", "this account is disabled; ask an administrator");
    }
    await this.refuseIfProviderOnly(found.id);
    await throttle.recordSuccess(key);
    return this.issue(withoutHash(found), client, "passkey");
  }

  /** Told only once the password (or passkey) was right: nobody else learns the link. */
  private async refuseIfProviderOnly(userId: string): Promise<void> {
    const provider = await this.deps.providerOnly?.(userId);
    if (provider === undefined) return;
    this.deps.onAuthFailure?.("provider_only");
    throw new AppError("sign_in_refused", `this account signs in through ${provider} only`);
  }

  /** Resolves a bearer token to its live session and user, or throws a 401/403 AppError. */
  async authenticate(token: string): Promise<Authenticated> {
    if (looksLikeAccessToken(token)) {
      const found = await this.deps.store.accessTokens.byHash(hashSecret(token));
      if (!found) {
        this.deps.onAuthFailure?.("unauthorized");
        throw new AppError("unauthorized", "this access token is not valid");
      }
      return this.sessionOf(found.userId, found.sessionId);
    }
    let claims: Awaited<ReturnType<TokenService["verify"]>>;
    try {
      claims = await this.deps.tokens.verify(token);
    } catch (err) {
      this.deps.onAuthFailure?.(err instanceof AppError ? err.code : "unauthorized");
      throw err;
    }
    return this.sessionOf(claims.userId, claims.sessionId);
  }

  /** The live session and user a verified credential names, or a 401/403 AppError. */
  async sessionOf(userId: string, sessionId: string): Promise<Authenticated> {
    const now = Date.now();
    const session = await this.deps.store.sessions.byId(sessionId);
    if (
      !session ||
      session.userId !== userId ||
      session.revokedAt !== null ||
      session.expiresAt <= now
    ) {
      this.deps.onAuthFailure?.("session_revoked");
      throw new AppError("session_revoked", "this session has ended; sign in again");
    }
    const user = await this.deps.store.users.byId(userId);
    if (!user) {
      this.deps.onAuthFailure?.("session_revoked");
      throw new AppError("session_revoked", "this session has ended; sign in again");
    }
    if (user.disabled || (user.ownerId !== null && !(await this.ownerActive(user.ownerId)))) {
      this.deps.onAuthFailure?.("account_disabled");
      throw new AppError("account_disabled", "this account is disabled; ask an administrator");
    }
    if (now - session.lastSeenAt > TOUCH_INTERVAL_MS) {
      await this.deps.store.sessions.touch(session.id, now);
      session.lastSeenAt = now;
    }
    const person = withoutHash(user);
    // A sign-in through an OpenID Connect provider answers to the provider's own rules.
    const local = !session.method?.startsWith("oidc:");
    const overdue = local && (this.deps.twoFactor?.policy.overdue(person, now) ?? false);
    return overdue ? { user: person, session, enrolmentDue: true } : { user: person, session };
  }

  /** A bot works while its owner's account does: a disabled or deleted owner stops it. */
  private async ownerActive(ownerId: string): Promise<boolean> {
    const owner = await this.deps.store.users.byId(ownerId);
    return owner !== undefined && !owner.disabled;
  }

  listSessions(userId: string): Promise<Session[]> {
    return this.deps.store.sessions.listActive(userId, Date.now());
  }

  async logout(auth: Authenticated): Promise<void> {
    await this.deps.store.sessions.revoke(auth.session.id, auth.user.id, Date.now());
    this.deps.events.emit("sessions.revoked", {
      userId: auth.user.id,
      sessionIds: [auth.session.id],
    });
  }

  async revokeSession(auth: Authenticated, sessionId: string): Promise<void> {
    const revoked = await this.deps.store.sessions.revoke(sessionId, auth.user.id, Date.now());
    if (!revoked) throw new AppError("not_found", "session not found");
    this.deps.events.emit("sessions.revoked", { userId: auth.user.id, sessionIds: [sessionId] });
  }

  /**
   * Checks the caller's current password before a change that needs it (a new password,
   * deleting the account). Wrong passwords spend the sign-in budget of the username and
   * the address, so a stolen token gives no more guesses than the sign-in form does.
   */
  async confirmPassword(
    auth: Authenticated,
    password: string,
    client: ClientContext,
  ): Promise<UserWithHash> {
    const throttle = this.deps.throttles.signIn;
    const now = Date.now();
    await throttle.check(auth.user.username, client.ip, now);
    const user = await this.deps.store.users.byId(auth.user.id);
    if (!user || !(await isOwnPassword(user, password, this.deps.directory))) {
      await throttle.recordFailure(auth.user.username, client.ip, now);
      this.deps.onAuthFailure?.("invalid_credentials");
      throw new AppError("invalid_credentials", "the current password is wrong");
    }
    await throttle.recordSuccess(user.username);
    return user;
  }

  /**
   * Changes the password and ends every other session of the user (the current password
   * checked by confirmPassword).
   */
  async changePassword(
    auth: Authenticated,
    body: ChangePasswordBody,
    client: ClientContext,
  ): Promise<void> {
    await this.deps.directory?.refusePasswordChange(auth.user.id);
    const user = await this.confirmPassword(auth, body.current_password, client);
    validatePassword(body.new_password);
    const passwordHash = await hashPassword(body.new_password);
    // The session that asked must still be live when the new password commits: a request
    // sent before a revoke (or before the account was disabled) changes nothing after it.
    const ended = await this.deps.store.transaction(async (tx) => {
      await recheckCaller(tx, auth);
      await tx.users.setPasswordHash(user.id, passwordHash);
      return tx.sessions.revokeAllForUser(user.id, Date.now(), auth.session.id);
    });
    if (ended.length > 0)
      this.deps.events.emit("sessions.revoked", { userId: user.id, sessionIds: ended });
  }
}
