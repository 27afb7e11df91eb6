/**
 * Second factors of local accounts: setting up an authenticator app (TOTP), recovery
 * codes and passkeys; checking one at sign-in; signing in with a passkey alone; an
 * administrator's reset of a lost factor. Every change is audited, in the transaction
 * that makes it, and made only if the session that asked is still live when it commits.
 */
import type {
  AddPasskeyBody,
  FactorAdded,
  PasskeyAddedResponse,
  PasskeyAssertion,
  PasskeyOptionsResponse,
  PasskeyView,
  TotpEnrolment,
  TwoFactorStatus,
} from "@private-chat/protocol/two-factor";
import { AppError, notFound } from "../../errors.js";
import type { StoredPasskey } from "../../storage/second-factors.js";
import type { Repositories, Store } from "../../storage/store.js";
import type { User } from "../../storage/users.js";
import { publicOrigin } from "../public-origin.js";
import { recheckCaller } from "../recheck.js";
import type { Authenticated, ClientContext } from "../service.js";
import {
  authenticationOptions,
  type RelyingParty,
  registrationOptions,
  relyingParty,
  userHandleOf,
  verifyAssertion,
  verifyRegistration,
} from "./passkeys.js";
import type { SecondFactorPolicy } from "./policy.js";
import { newRecoveryCodes, recoveryCodeHash } from "./recovery-codes.js";
import { newTotpSecret, otpauthUri, totpStep } from "./totp.js";

type PasskeyOptions = PasskeyOptionsResponse["options"];

const CHALLENGE_TTL_MS = 5 * 60 * 1000;
const MAX_PASSKEYS = 20;

/** What a password sign-in may carry besides the password. */
export interface SecondFactorInput {
  totp_code?: string | undefined;
  recovery_code?: string | undefined;
  passkey?: PasskeyAssertion | undefined;
}

export interface TwoFactorDeps {
  store: Store;
  policy: SecondFactorPolicy;
  /** `[server] public_url`, or "" to use the address each browser used. */
  publicUrl: string;
  /** The name authenticator apps and passkey prompts show. */
  serverName: () => string;
}

function invalidFactor(): AppError {
  return new AppError(
    "invalid_second_factor",
    "the code or passkey is wrong, used already or expired; try again",
  );
}

function invalidVerification(message: string): AppError {
  return new AppError("invalid_verification", message);
}

export function presentPasskey(p: StoredPasskey): PasskeyView {
  return { id: p.id, name: p.name, created_at: p.createdAt, last_used_at: p.lastUsedAt };
}

export class TwoFactorService {
  constructor(private readonly deps: TwoFactorDeps) {}

  get policy(): SecondFactorPolicy {
    return this.deps.policy;
  }

  private get store(): Store {
    return this.deps.store;
  }

  relyingParty(client: ClientContext): RelyingParty {
    return relyingParty(publicOrigin(this.deps.publicUrl, client), this.deps.serverName());
  }

  async status(user: User): Promise<TwoFactorStatus> {
    const [totp, left, passkeys] = await Promise.all([
      this.store.secondFactors.totpOf(user.id),
      this.store.secondFactors.recoveryCodesLeft(user.id),
      this.store.secondFactors.passkeysOf(user.id),
    ]);
    return {
      totp: totp?.confirmedAt != null,
      recovery_codes_left: left,
      passkeys: passkeys.map(presentPasskey),
      required: this.deps.policy.required(user),
      required_by: this.deps.policy.dueAt(user),
    };
  }

  /** A change to the caller's own factors: audited, and only while the session lives. */
  private change<T>(
    auth: Authenticated,
    action: string,
    details: Record<string, unknown>,
    work: (tx: Repositories) => Promise<T>,
  ): Promise<T> {
    return this.store.transaction(async (tx) => {
      await recheckCaller(tx, auth);
      const result = await work(tx);
      await tx.audit.append({
        actor: { id: auth.user.id, label: auth.user.username },
        action,
        targetType: "user",
        targetId: auth.user.id,
        details,
        now: Date.now(),
      });
      return result;
    });
  }

  async startTotp(auth: Authenticated): Promise<TotpEnrolment> {
    const secret = newTotpSecret();
    const stored = await this.store.secondFactors.putPendingTotp(auth.user.id, secret, Date.now());
    if (!stored) {
      throw new AppError(
        "conflict",
        "an authenticator app is set up already; remove it first to set up another",
      );
    }
    return {
      secret,
      otpauth_uri: otpauthUri(secret, this.deps.serverName(), auth.user.username),
    };
  }

  async confirmTotp(auth: Authenticated, code: string): Promise<FactorAdded> {
    const now = Date.now();
    const pending = await this.store.secondFactors.totpOf(auth.user.id);
    if (!pending || pending.confirmedAt !== null) {
      throw new AppError("conflict", "no authenticator app is being set up; start again");
    }
    const step = totpStep(pending.secret, code, now);
    if (step === undefined) {
      throw invalidVerification("the code does not match; check the app's clock and try again");
    }
    return this.change(auth, "user.two_factor_added", { method: "totp" }, async (tx) => {
      if (!(await tx.secondFactors.takeTotpStep(auth.user.id, step, now, true))) {
        throw invalidVerification("this code was used already; wait for the next one");
      }
      return { recovery_codes: await this.afterAdding(tx, auth.user.id, now) };
    });
  }

  /** Sets the account's flag; gives recovery codes when this was its first factor. */
  private async afterAdding(tx: Repositories, userId: string, now: number) {
    const before = await tx.users.byId(userId);
    await tx.secondFactors.refreshFlag(userId);
    if (before?.secondFactor) return null;
    const codes = newRecoveryCodes();
    await tx.secondFactors.replaceRecoveryCodes(userId, codes.map(recoveryCodeHash), now);
    return codes;
  }

  /** Drops the recovery codes with the last factor: they would be a factor of their own. */
  private async afterRemoving(tx: Repositories, userId: string): Promise<void> {
    if (!(await tx.secondFactors.refreshFlag(userId)))
      await tx.secondFactors.replaceRecoveryCodes(userId, [], 0);
  }

  async removeTotp(auth: Authenticated): Promise<void> {
    await this.change(auth, "user.two_factor_removed", { method: "totp" }, async (tx) => {
      if (!(await tx.secondFactors.removeTotp(auth.user.id))) throw notFound("authenticator app");
      await this.afterRemoving(tx, auth.user.id);
    });
  }

  async renewRecoveryCodes(auth: Authenticated): Promise<string[]> {
    const now = Date.now();
    return this.change(auth, "user.recovery_codes_renewed", {}, async (tx) => {
      const user = await tx.users.byId(auth.user.id);
      if (!user?.secondFactor) {
        throw new AppError(
          "conflict",
          "recovery codes stand in for a second factor: set up an app or a passkey first",
        );
      }
      const codes = newRecoveryCodes();
      await tx.secondFactors.replaceRecoveryCodes(auth.user.id, codes.map(recoveryCodeHash), now);
      return codes;
    });
  }

  async passkeyOptions(auth: Authenticated, client: ClientContext): Promise<PasskeyOptions> {
    const rp = this.relyingParty(client);
    const existing = await this.store.secondFactors.passkeysOf(auth.user.id);
    if (existing.length >= MAX_PASSKEYS) {
      throw new AppError("conflict", `an account holds at most ${MAX_PASSKEYS} passkeys`);
    }
    const options = await registrationOptions(rp, auth.user, existing);
    const now = Date.now();
    await this.store.secondFactors.addChallenge(
      options.challenge,
      "passkey.register",
      auth.user.id,
      now + CHALLENGE_TTL_MS,
      now,
    );
    return { ...options };
  }

  async addPasskey(
    auth: Authenticated,
    body: AddPasskeyBody,
    client: ClientContext,
  ): Promise<PasskeyAddedResponse> {
    const rp = this.relyingParty(client);
    const now = Date.now();
    const credential = await verifyRegistration(rp, body.passkey, async (challenge) => {
      const taken = await this.store.secondFactors.takeChallenge(
        challenge,
        "passkey.register",
        now,
      );
      return taken?.userId === auth.user.id;
    });
    if (!credential) {
      throw invalidVerification(
        "the passkey's answer does not verify (a stale challenge, or another site's)",
      );
    }
    const stored: StoredPasskey = {
      ...credential,
      userId: auth.user.id,
      name: body.name,
      createdAt: now,
      lastUsedAt: null,
    };
    const codes = await this.change(
      auth,
      "user.two_factor_added",
      { method: "passkey", name: body.name },
      async (tx) => {
        if (await tx.secondFactors.passkeyById(stored.id)) {
          throw new AppError("conflict", "this passkey is registered already");
        }
        await tx.secondFactors.addPasskey(stored);
        return this.afterAdding(tx, auth.user.id, now);
      },
    );
    return { passkey: presentPasskey(stored), recovery_codes: codes };
  }

  async removePasskey(auth: Authenticated, id: string): Promise<void> {
    await this.change(auth, "user.two_factor_removed", { method: "passkey" }, async (tx) => {
      if (!(await tx.secondFactors.removePasskey(auth.user.id, id))) throw notFound("passkey");
      await this.afterRemoving(tx, auth.user.id);
    });
  }

  /** Options for `navigator.credentials.get()`, at sign-in (alone or after a password). */
  async signInOptions(client: ClientContext): Promise<PasskeyOptions> {
    const rp = this.relyingParty(client);
    const options = await authenticationOptions(rp);
    const now = Date.now();
    await this.store.secondFactors.addChallenge(
      options.challenge,
      "passkey.sign_in",
      null,
      now + CHALLENGE_TTL_MS,
      now,
    );
    return { ...options };
  }

  /**
   * Checks the second factor given with the right password, and says how the sign-in
   * was made. An account without a factor needs none.
   */
  async checkAtSignIn(
    user: User,
    input: SecondFactorInput,
    client: ClientContext,
  ): Promise<string> {
    if (!user.secondFactor) return "password";
    const now = Date.now();
    if (input.totp_code !== undefined) {
      const totp = await this.store.secondFactors.totpOf(user.id);
      const step =
        totp?.confirmedAt != null ? totpStep(totp.secret, input.totp_code, now) : undefined;
      if (
        step === undefined ||
        !(await this.store.secondFactors.takeTotpStep(user.id, step, now, false))
      )
        throw invalidFactor();
      return "password+totp";
    }
    if (input.recovery_code !== undefined) {
      const used = await this.store.secondFactors.useRecoveryCode(
        user.id,
        recoveryCodeHash(input.recovery_code),
        now,
      );
      if (!used) throw invalidFactor();
      return "password+recovery_code";
    }
    if (input.passkey !== undefined) {
      const owner = await this.verifyPasskey(input.passkey, client, false);
      if (owner !== user.id) throw invalidFactor();
      return "password+passkey";
    }
    throw new AppError(
      "second_factor_required",
      "this account has a second factor: give a code from the authenticator app (totp_code), a recovery code (recovery_code) or a passkey",
    );
  }

  /** The account a passkey's answer signs in, alone (user verification required). */
  async passkeyAlone(answer: PasskeyAssertion, client: ClientContext): Promise<string> {
    const owner = await this.verifyPasskey(answer, client, true);
    if (!owner) throw invalidFactor();
    return owner;
  }

  /** The id of the account whose passkey gave this answer, or undefined. */
  private async verifyPasskey(
    answer: PasskeyAssertion,
    client: ClientContext,
    alone: boolean,
  ): Promise<string | undefined> {
    const rp = this.relyingParty(client);
    const now = Date.now();
    const passkey = await this.store.secondFactors.passkeyById(answer.id);
    if (!passkey) return undefined;
    const handle = userHandleOf(answer);
    if (handle !== undefined && handle !== passkey.userId) return undefined;
    const counter = await verifyAssertion(
      rp,
      answer,
      passkey,
      async (challenge) =>
        (await this.store.secondFactors.takeChallenge(challenge, "passkey.sign_in", now)) !==
        undefined,
      alone,
    );
    if (counter === undefined) return undefined;
    // Another sign-in with the same counter at the same time: one of them was a copy.
    if (!(await this.store.secondFactors.usePasskey(passkey.id, passkey.counter, counter, now)))
      return undefined;
    return passkey.userId;
  }
}
