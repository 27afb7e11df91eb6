/**
 * The browser's passkey prompts, through @simplewebauthn/browser: an answer to a sign-in
 * challenge (alone or after the password) and a new passkey for Settings. Their failures
 * (the prompt closed, no passkey for this site) come back as sentences a person can act on.
 */

import type { PasskeyAssertion, PasskeyAttestation } from "@private-chat/protocol/two-factor";
import type {
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from "@simplewebauthn/browser";
import {
  browserSupportsWebAuthn,
  startAuthentication,
  startRegistration,
  WebAuthnError,
} from "@simplewebauthn/browser";
import { api } from "./api.js";

/** Whether this browser (and page: https or localhost) can use passkeys at all. */
export const passkeysAvailable = (): boolean => browserSupportsWebAuthn();

/** The browser's prompt failed; `message` says what to do. */
export class PasskeyPromptError extends Error {}

function explained(err: unknown): PasskeyPromptError {
  if (err instanceof WebAuthnError) {
    if (err.code === "ERROR_AUTHENTICATOR_PREVIOUSLY_REGISTERED")
      return new PasskeyPromptError("This passkey is registered already.");
    if (err.code === "ERROR_INVALID_DOMAIN" || err.code === "ERROR_INVALID_RP_ID")
      return new PasskeyPromptError(
        "Passkeys work only at the server's own address (https, or localhost).",
      );
  }
  const name = err instanceof Error ? err.name : "";
  if (name === "NotAllowedError" || name === "AbortError")
    return new PasskeyPromptError("The passkey prompt was closed or timed out. Try again.");
  return new PasskeyPromptError(
    `The browser could not use a passkey: ${err instanceof Error ? err.message : String(err)}`,
  );
}

/** A passkey's answer to a fresh sign-in challenge from the server. */
export async function answerWithPasskey(): Promise<PasskeyAssertion> {
  const options = await api.passkeySignInOptions();
  try {
    return (await startAuthentication({
      optionsJSON: options as unknown as PublicKeyCredentialRequestOptionsJSON,
    })) as PasskeyAssertion;
  } catch (err) {
    throw explained(err);
  }
}

/** A new passkey for the signed-in account (its password asked again by the server). */
export async function createPasskey(password: string): Promise<PasskeyAttestation> {
  const options = await api.twoFactor.passkeyOptions(password);
  try {
    return (await startRegistration({
      optionsJSON: options as unknown as PublicKeyCredentialCreationOptionsJSON,
    })) as PasskeyAttestation;
  } catch (err) {
    throw explained(err);
  }
}
