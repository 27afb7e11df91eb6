/**
 * The terminal client's sign-in through a provider that offers the device authorization
 * grant (RFC 8628): the server asks the provider for a user code on the client's behalf
 * (it holds the client secret), the person enters that code in any browser, and the
 * client polls the server until the provider says yes.
 *
 * Nothing is kept on the server between calls, so any node of a cluster answers a poll:
 * the provider's device code travels inside the handle the client holds, sealed under a
 * key of its own (the client cannot read or change it). The provider refuses a device
 * code once it has been redeemed, so a handle signs in once.
 *
 * Each poll makes one request to the provider: openid-client waits the provider's
 * interval, asks, and is stopped halfway through the next wait, when the client is told
 * to ask again. So a poll takes one and a half intervals and never holds a request for
 * long, and the provider is never asked faster than it allows.
 */
import type { AuthResponse } from "@private-chat/protocol/rest";
import type { OidcDeviceStart } from "@private-chat/protocol/two-factor";
import * as client from "openid-client";
import type { AuthService, ClientContext } from "../auth/service.js";
import { AppError } from "../errors.js";
import { type OidcProvider, providerUnavailable } from "./providers.js";
import type { Seal } from "./seal.js";
import { claimsOf, failed, type OidcSignIn, providerRefusal } from "./sign-in.js";

/** No device sign-in outlives this, whatever the provider allows. */
const MAX_LIFETIME_SECONDS = 30 * 60;
/**
 * The provider's polling interval, kept within these bounds (RFC 8628 defaults to 5). A
 * poll holds its request for one and a half intervals: at most 30 s, well within a proxy's
 * read timeout, and still never faster than a provider asking for up to 30 s between polls.
 */
const INTERVAL_SECONDS = { min: 1, default: 5, max: 20 };

/** What the sealed handle holds. */
interface DeviceGrant {
  /** The provider's id. */
  provider: string;
  deviceCode: string;
  /** When the provider stops taking the code, in ms since the epoch. */
  expiresAt: number;
  interval: number;
}

export interface OidcDeviceSignInDeps {
  signIn: OidcSignIn;
  auth: AuthService;
  seal: Seal;
}

/** What a provider's answer to a device request means to the person at the terminal. */
function refusal(provider: OidcProvider, err: unknown): AppError {
  if (!(err instanceof client.ResponseBodyError))
    return providerUnavailable(provider.config.name, err);
  if (err.error === "expired_token")
    return failed("the code was not entered in time; sign in again");
  return providerRefusal(provider, err.error, err.error_description);
}

export class OidcDeviceSignIn {
  constructor(private readonly deps: OidcDeviceSignInDeps) {}

  /** Asks the provider for a user code; 404 for a provider that offers no device sign-in. */
  async start(id: string): Promise<OidcDeviceStart> {
    const provider = this.deps.signIn.providers.get(id);
    const configuration = await provider.configuration();
    if (!configuration.serverMetadata().device_authorization_endpoint)
      throw new AppError(
        "not_found",
        `${provider.config.name} offers no device sign-in; open the sign-in address in a browser instead`,
      );
    let answer: client.DeviceAuthorizationResponse;
    try {
      answer = await client.initiateDeviceAuthorization(configuration, {
        scope: provider.config.scopes.join(" "),
      });
    } catch (err) {
      throw refusal(provider, err);
    }
    const expiresIn = Math.min(answer.expires_in, MAX_LIFETIME_SECONDS);
    const interval = Math.min(
      Math.max(answer.interval ?? INTERVAL_SECONDS.default, INTERVAL_SECONDS.min),
      INTERVAL_SECONDS.max,
    );
    const grant: DeviceGrant = {
      provider: id,
      deviceCode: answer.device_code,
      expiresAt: Date.now() + expiresIn * 1000,
      interval,
    };
    return {
      device_id: await this.deps.seal.seal(JSON.stringify(grant)),
      user_code: answer.user_code,
      verification_uri: answer.verification_uri,
      ...(answer.verification_uri_complete
        ? { verification_uri_complete: answer.verification_uri_complete }
        : {}),
      expires_in: expiresIn,
      interval,
    };
  }

  /**
   * One poll: the session once the person said yes at the provider, `pending` while they
   * have not, or the refusal (`sign_in_refused`, or `sign_in_failed` once it is too late).
   */
  async poll(
    deviceId: string,
    caller: ClientContext,
  ): Promise<AuthResponse | { pending: true; interval: number }> {
    const grant = await this.opened(deviceId);
    const provider = this.deps.signIn.providers.get(grant.provider);
    const configuration = await provider.configuration();
    const halfway = AbortSignal.timeout(grant.interval * 1500);
    let tokens: Awaited<ReturnType<typeof client.pollDeviceAuthorizationGrant>>;
    try {
      tokens = await client.pollDeviceAuthorizationGrant(
        configuration,
        {
          device_code: grant.deviceCode,
          user_code: "",
          verification_uri: "",
          expires_in: Math.max(1, Math.ceil((grant.expiresAt - Date.now()) / 1000)),
          interval: grant.interval,
        },
        undefined,
        { signal: halfway },
      );
    } catch (err) {
      if (halfway.aborted) return { pending: true, interval: grant.interval };
      throw refusal(provider, err);
    }
    const claims = await claimsOf(provider, configuration, tokens);
    const user = await this.deps.signIn.signedIn(
      provider,
      claims,
      tokens.refresh_token,
      Date.now(),
    );
    return this.deps.auth.issue(user, caller, provider.key);
  }

  /** The grant a handle holds; refused when it was not sealed here or is too old. */
  private async opened(deviceId: string): Promise<DeviceGrant> {
    const text = await this.deps.seal.open(deviceId);
    let grant: DeviceGrant | undefined;
    try {
      grant = text === undefined ? undefined : (JSON.parse(text) as DeviceGrant);
    } catch {
      grant = undefined;
    }
    if (!grant || typeof grant.deviceCode !== "string")
      throw failed("this sign-in is unknown; sign in again");
    if (grant.expiresAt <= Date.now())
      throw failed("the code was not entered in time; sign in again");
    return grant;
  }
}
