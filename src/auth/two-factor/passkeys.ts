/**
 * Passkeys and security keys (WebAuthn), through @simplewebauthn/server: the options a
 * browser needs to make or use one, and the checks of its answers (challenge, origin,
 * relying party, signature, and a signature counter that must move forward, which
 * refuses a cloned authenticator).
 *
 * The relying party is `[server] public_url` when set, else the address the browser used
 * (which a passkey is then bound to).
 */
import type { PasskeyAssertion, PasskeyAttestation } from "@private-chat/protocol/two-factor";
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from "@simplewebauthn/server";
import { isoBase64URL } from "@simplewebauthn/server/helpers";
import type { StoredPasskey } from "../../storage/second-factors.js";

export interface RelyingParty {
  /** The origin the browser shows, e.g. https://chat.example.com. */
  origin: string;
  /** Its host name: passkeys are bound to it. */
  id: string;
  name: string;
}

export function relyingParty(origin: string, name: string): RelyingParty {
  return { origin, id: new URL(origin).hostname, name };
}

type Transport = NonNullable<
  Parameters<typeof generateRegistrationOptions>[0]["excludeCredentials"]
>[number]["transports"];

export async function registrationOptions(
  rp: RelyingParty,
  user: { id: string; username: string; displayName: string },
  existing: StoredPasskey[],
) {
  return generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userID: new TextEncoder().encode(user.id),
    userName: user.username,
    userDisplayName: user.displayName,
    attestationType: "none",
    excludeCredentials: existing.map((p) => ({
      id: p.id,
      transports: p.transports as Transport,
    })),
    // Discoverable, so that it signs in alone, without a username first.
    authenticatorSelection: { residentKey: "required", userVerification: "preferred" },
  });
}

/** The new credential, or undefined when the answer proves nothing. */
export async function verifyRegistration(
  rp: RelyingParty,
  answer: PasskeyAttestation,
  challengeIsLive: (challenge: string) => Promise<boolean>,
) {
  try {
    const result = await verifyRegistrationResponse({
      response: answer as Parameters<typeof verifyRegistrationResponse>[0]["response"],
      expectedChallenge: challengeIsLive,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      requireUserVerification: false,
    });
    if (!result.verified) return undefined;
    const { credential } = result.registrationInfo;
    return {
      id: credential.id,
      publicKey: isoBase64URL.fromBuffer(credential.publicKey),
      counter: credential.counter,
      transports: (credential.transports ?? []) as string[],
    };
  } catch {
    // A malformed or forged answer: the library names what is wrong; the caller says no.
    return undefined;
  }
}

export function authenticationOptions(rp: RelyingParty) {
  return generateAuthenticationOptions({ rpID: rp.id, userVerification: "preferred" });
}

/**
 * The counter the authenticator reports now, or undefined when the answer does not
 * verify — a counter that did not move forward included.
 */
export async function verifyAssertion(
  rp: RelyingParty,
  answer: PasskeyAssertion,
  passkey: StoredPasskey,
  challengeIsLive: (challenge: string) => Promise<boolean>,
  requireUserVerification: boolean,
): Promise<number | undefined> {
  try {
    const result = await verifyAuthenticationResponse({
      response: answer as Parameters<typeof verifyAuthenticationResponse>[0]["response"],
      expectedChallenge: challengeIsLive,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      credential: {
        id: passkey.id,
        publicKey: isoBase64URL.toBuffer(passkey.publicKey),
        counter: passkey.counter,
        transports: passkey.transports as Transport,
      },
      requireUserVerification,
    });
    return result.verified ? result.authenticationInfo.newCounter : undefined;
  } catch {
    return undefined;
  }
}

/** The account id a discoverable passkey's answer names (its user handle). */
export function userHandleOf(answer: PasskeyAssertion): string | undefined {
  if (!answer.response.userHandle) return undefined;
  try {
    return new TextDecoder().decode(isoBase64URL.toBuffer(answer.response.userHandle));
  } catch {
    return undefined;
  }
}
