/**
 * The caller's second factors (/api/v1/me/two-factor, /api/v1/me/passkeys), reached as
 * `client.twoFactor`: an authenticator app, recovery codes and passkeys. Each change asks
 * for the password again. Signing in with them is `client.login(..., factor)` and
 * `client.passkeySignIn()`.
 */
import {
  type FactorAdded,
  factorAdded,
  type PasskeyAddedResponse,
  type PasskeyAttestation,
  type PasskeyOptionsResponse,
  passkeyAddedResponse,
  passkeyOptionsResponse,
  recoveryCodesResponse,
  type TotpEnrolment,
  type TwoFactorStatus,
  totpEnrolment,
  twoFactorStatus,
} from "@private-chat/protocol/two-factor";
import type { RestTransport } from "./transport.js";

export class TwoFactorCalls {
  constructor(private readonly rest: RestTransport) {}

  status(): Promise<TwoFactorStatus> {
    return this.rest.request("GET", "/api/v1/me/two-factor", twoFactorStatus);
  }

  /** A new secret for an authenticator app; confirmTotp() with a code it shows finishes. */
  startTotp(password: string): Promise<TotpEnrolment> {
    return this.rest.request("POST", "/api/v1/me/two-factor/totp", totpEnrolment, { password });
  }

  /** Recovery codes come back (once) when this is the account's first factor. */
  confirmTotp(code: string): Promise<FactorAdded> {
    return this.rest.request("POST", "/api/v1/me/two-factor/totp/confirm", factorAdded, { code });
  }

  async removeTotp(password: string): Promise<void> {
    await this.rest.call("DELETE", "/api/v1/me/two-factor/totp", { password });
  }

  async renewRecoveryCodes(password: string): Promise<string[]> {
    return (
      await this.rest.request(
        "POST",
        "/api/v1/me/two-factor/recovery-codes",
        recoveryCodesResponse,
        {
          password,
        },
      )
    ).recovery_codes;
  }

  /** Options for `navigator.credentials.create()` (or @simplewebauthn/browser). */
  async passkeyOptions(password: string): Promise<PasskeyOptionsResponse["options"]> {
    return (
      await this.rest.request("POST", "/api/v1/me/passkeys/options", passkeyOptionsResponse, {
        password,
      })
    ).options;
  }

  addPasskey(name: string, passkey: PasskeyAttestation): Promise<PasskeyAddedResponse> {
    return this.rest.request("POST", "/api/v1/me/passkeys", passkeyAddedResponse, {
      name,
      passkey,
    });
  }

  async removePasskey(id: string, password: string): Promise<void> {
    await this.rest.call("DELETE", `/api/v1/me/passkeys/${encodeURIComponent(id)}`, { password });
  }
}
