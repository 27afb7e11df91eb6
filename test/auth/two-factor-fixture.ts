/**
 * Setting up an authenticator app through the API, as a person does with their phone:
 * the test computes the app's codes from the secret with the server's own clock.
 */
import assert from "node:assert/strict";
import { totpCode } from "../../src/auth/two-factor/totp.js";
import type { TestUser } from "../helpers/factories.js";
import { client } from "../helpers/http.js";

export interface EnrolledUser extends TestUser {
  secret: string;
  recoveryCodes: string[];
}

/** A code the app would show `offsetSteps` periods from now. */
export function codeFor(secret: string, offsetSteps = 0): string {
  return totpCode(secret, Date.now() + offsetSteps * 30_000);
}

/**
 * The next code that no sign-in has used yet: each code is good once, so a test that
 * signs in twice within 30 seconds takes the next step's code (accepted a step early).
 */
export async function enrolTotp(baseUrl: string, user: TestUser): Promise<EnrolledUser> {
  const api = client(baseUrl);
  const started = await api.post(
    "/api/v1/me/two-factor/totp",
    { password: user.password },
    { token: user.token },
  );
  assert.equal(started.status, 200, started.text);
  const secret: string = started.body.secret;
  assert.match(started.body.otpauth_uri, /^otpauth:\/\/totp\//);
  const confirmed = await api.post(
    "/api/v1/me/two-factor/totp/confirm",
    { code: codeFor(secret) },
    { token: user.token },
  );
  assert.equal(confirmed.status, 200, confirmed.text);
  return { ...user, secret, recoveryCodes: confirmed.body.recovery_codes };
}
