/**
 * Signing in and out, and the account itself: a password (with a second factor when the
 * account has one), a passkey alone, an OpenID Connect provider's one-time code; links
 * to the providers; the password and the account's deletion. A part of ApiClient
 * (rest.ts): each sign-in keeps the token it gets for the calls that follow.
 */
import { type AuthResponse, authResponse } from "@private-chat/protocol/rest";
import {
  type ProviderLinkView,
  providerLinkStart,
  providerLinksResponse,
} from "@private-chat/protocol/sign-in-providers";
import {
  type OidcDevicePending,
  type OidcDeviceStart,
  oidcDevicePending,
  oidcDeviceStart,
  type PasskeyAssertion,
  type PasskeyOptionsResponse,
  passkeyOptionsResponse,
} from "@private-chat/protocol/two-factor";
import { z } from "zod/mini";
import { MessageCalls } from "./message-calls.js";

/** The second factor given with a password: a code from the app, a recovery code, or a passkey. */
export type SecondFactor =
  | { totp_code?: string; recovery_code?: never; passkey?: never }
  | { recovery_code?: string; totp_code?: never; passkey?: never }
  | { passkey?: PasskeyAssertion; totp_code?: never; recovery_code?: never };

export class SignInCalls extends MessageCalls {
  async register(input: {
    username: string;
    password: string;
    display_name?: string;
    invite_code?: string;
  }): Promise<AuthResponse> {
    const result = await this.request("POST", "/api/v1/auth/register", authResponse, input);
    this.token = result.token;
    return result;
  }

  /**
   * Signs in. An account with a second factor needs one of `factor` too; without it the
   * server answers `second_factor_required` (an ApiError), and the client asks for one.
   */
  async login(
    username: string,
    password: string,
    factor: SecondFactor = {},
  ): Promise<AuthResponse> {
    const result = await this.request("POST", "/api/v1/auth/login", authResponse, {
      username,
      password,
      ...factor,
    });
    this.token = result.token;
    return result;
  }

  /**
   * Where a browser goes to sign in through an OpenID Connect provider (one of
   * serverInfo().sign_in_providers); it comes back to the web app with a one-time code.
   */
  oidcStartUrl(providerId: string): string {
    return `${this.baseUrl}/api/v1/auth/oidc/${encodeURIComponent(providerId)}/start`;
  }

  /** Turns a provider sign-in's one-time code into the session. */
  async oidcExchange(code: string): Promise<AuthResponse> {
    const result = await this.request("POST", "/api/v1/auth/oidc/exchange", authResponse, { code });
    this.token = result.token;
    return result;
  }

  /**
   * Begins a device sign-in through a provider (for a client without a browser of its
   * own): show `verification_uri` and `user_code`, then poll with oidcDevicePoll(). An
   * ApiError 404 when the provider offers none: use oidcStartUrl() instead.
   */
  oidcDeviceStart(providerId: string): Promise<OidcDeviceStart> {
    return this.request(
      "POST",
      `/api/v1/auth/oidc/${encodeURIComponent(providerId)}/device`,
      oidcDeviceStart,
    );
  }

  /**
   * One poll of a device sign-in (it takes a few seconds): the session once the person
   * said yes at the provider, or `pending` (poll again).
   */
  async oidcDevicePoll(deviceId: string): Promise<AuthResponse | OidcDevicePending> {
    const { status, value } = await this.requestWithStatus(
      "POST",
      "/api/v1/auth/oidc/device/token",
      z.union([authResponse, oidcDevicePending]),
      { device_id: deviceId },
    );
    if (status === 202 || "pending" in value) return value as OidcDevicePending;
    this.token = value.token;
    return value;
  }

  /** Options for `navigator.credentials.get()`, to sign in with a passkey. */
  async passkeySignInOptions(): Promise<PasskeyOptionsResponse["options"]> {
    return (await this.request("POST", "/api/v1/auth/passkey/options", passkeyOptionsResponse))
      .options;
  }

  /** Signs in with a passkey alone: the browser's answer to passkeySignInOptions(). */
  async passkeySignIn(passkey: PasskeyAssertion): Promise<AuthResponse> {
    const result = await this.request("POST", "/api/v1/auth/passkey", authResponse, { passkey });
    this.token = result.token;
    return result;
  }

  /** The server's sign-in providers, and which this account is linked to. */
  async providerLinks(): Promise<ProviderLinkView[]> {
    return (await this.request("GET", "/api/v1/me/sign-in-providers", providerLinksResponse))
      .providers;
  }

  /**
   * Where the browser goes to link this account to a provider (the password asked
   * again); it comes back to the web app's #/settings/linked/<id>.
   */
  async startProviderLink(providerId: string, password: string): Promise<string> {
    const path = `/api/v1/me/sign-in-providers/${encodeURIComponent(providerId)}/link`;
    return (await this.request("POST", path, providerLinkStart, { password })).url;
  }

  async removeProviderLink(providerId: string, password: string): Promise<void> {
    await this.call("DELETE", `/api/v1/me/sign-in-providers/${encodeURIComponent(providerId)}`, {
      password,
    });
  }

  async logout(): Promise<void> {
    await this.call("POST", "/api/v1/auth/logout");
    this.token = undefined;
  }

  async changePassword(currentPassword: string, newPassword: string): Promise<void> {
    await this.call("POST", "/api/v1/auth/password", {
      current_password: currentPassword,
      new_password: newPassword,
    });
  }

  /** Deletes the signed-in account for good (the password asked again); forgets the token. */
  async deleteAccount(password: string): Promise<void> {
    await this.call("DELETE", "/api/v1/me", { password });
    this.token = undefined;
  }
}
