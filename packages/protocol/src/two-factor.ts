/**
 * Two-factor sign-in for local accounts: an authenticator app (TOTP, RFC 6238), recovery
 * codes, and passkeys (WebAuthn), which serve as a second factor or alone. The WebAuthn
 * shapes are those of the W3C's JSON serialisation, as browsers' `toJSON()` and
 * @simplewebauthn/browser produce them.
 */
import { z } from "zod/mini";

// A base64url field of a WebAuthn answer: attestations with certificates run to a few KB.
const b64url = z.string().check(z.maxLength(16_384), z.regex(/^[A-Za-z0-9_-]*$/));
const extensions = z.record(z.string(), z.unknown());
const attachment = z.optional(z.enum(["platform", "cross-platform"]));

/** A passkey's answer to a sign-in challenge. */
export const passkeyAssertion = z.object({
  id: b64url,
  rawId: b64url,
  type: z.literal("public-key"),
  response: z.object({
    clientDataJSON: b64url,
    authenticatorData: b64url,
    signature: b64url,
    userHandle: z.optional(b64url),
  }),
  authenticatorAttachment: attachment,
  clientExtensionResults: extensions,
});
export type PasskeyAssertion = z.infer<typeof passkeyAssertion>;

/** A new passkey's answer to an enrolment challenge. */
export const passkeyAttestation = z.object({
  id: b64url,
  rawId: b64url,
  type: z.literal("public-key"),
  response: z.object({
    clientDataJSON: b64url,
    attestationObject: b64url,
    authenticatorData: z.optional(b64url),
    transports: z.optional(z.array(z.string().check(z.maxLength(32))).check(z.maxLength(8))),
    publicKeyAlgorithm: z.optional(z.number()),
    publicKey: z.optional(b64url),
  }),
  authenticatorAttachment: attachment,
  clientExtensionResults: extensions,
});
export type PasskeyAttestation = z.infer<typeof passkeyAttestation>;

/** The options a browser passes to `navigator.credentials.get()` / `.create()`, as JSON. */
export const passkeyOptionsResponse = z.object({
  options: z.looseObject({ challenge: z.string() }),
});
export type PasskeyOptionsResponse = z.infer<typeof passkeyOptionsResponse>;

export const TOTP_CODE_MAX = 16;
export const RECOVERY_CODE_MAX = 64;
export const PASSKEY_NAME_MAX = 64;
/** How many recovery codes an account gets at a time. */
export const RECOVERY_CODE_COUNT = 10;

/** The second factor given with a password at sign-in: one of the three. */
export const secondFactorFields = {
  totp_code: z.optional(z.string().check(z.maxLength(TOTP_CODE_MAX))),
  recovery_code: z.optional(z.string().check(z.maxLength(RECOVERY_CODE_MAX))),
  passkey: z.optional(passkeyAssertion),
};

/** `POST /api/v1/auth/passkey`: signing in with a passkey alone. */
export const passkeySignInBody = z.strictObject({ passkey: passkeyAssertion });
export type PasskeySignInBody = z.infer<typeof passkeySignInBody>;

const password = z.string().check(z.maxLength(1024));

/** The account's password, asked again before its factors change. */
export const confirmPasswordBody = z.strictObject({ password });
export type ConfirmPasswordBody = z.infer<typeof confirmPasswordBody>;

export const passkeyView = z.object({
  id: z.string(),
  name: z.string(),
  created_at: z.number(),
  last_used_at: z.nullable(z.number()),
});
export type PasskeyView = z.infer<typeof passkeyView>;

/** `GET /api/v1/me/two-factor`. */
export const twoFactorStatus = z.object({
  /** An authenticator app is set up (and confirmed). */
  totp: z.boolean(),
  recovery_codes_left: z.number(),
  passkeys: z.array(passkeyView),
  /** The server requires this account to have a second factor ([auth] require_2fa). */
  required: z.boolean(),
  /**
   * When the grace period for setting one up ends (ms since the epoch); null when none is
   * required or one is set up. After it, the account can do nothing but set one up.
   */
  required_by: z.nullable(z.number()),
});
export type TwoFactorStatus = z.infer<typeof twoFactorStatus>;

/** `POST /api/v1/me/two-factor/totp`: a new secret, to scan or type into the app. */
export const totpEnrolment = z.object({
  /** Base32, for typing in. */
  secret: z.string(),
  /** otpauth://totp/... (the QR code's content). */
  otpauth_uri: z.string(),
});
export type TotpEnrolment = z.infer<typeof totpEnrolment>;

export const totpConfirmBody = z.strictObject({
  code: z.string().check(z.maxLength(TOTP_CODE_MAX)),
});
export type TotpConfirmBody = z.infer<typeof totpConfirmBody>;

/** Shown once: each signs in once in place of the app or a passkey. */
export const recoveryCodesResponse = z.object({ recovery_codes: z.array(z.string()) });
export type RecoveryCodesResponse = z.infer<typeof recoveryCodesResponse>;

/** An enrolled factor; `recovery_codes` when it was the account's first (shown once). */
export const factorAdded = z.object({
  recovery_codes: z.nullable(z.array(z.string())),
});
export type FactorAdded = z.infer<typeof factorAdded>;

export const addPasskeyBody = z.strictObject({
  name: z.string().check(z.minLength(1), z.maxLength(PASSKEY_NAME_MAX)),
  passkey: passkeyAttestation,
});
export type AddPasskeyBody = z.infer<typeof addPasskeyBody>;

export const passkeyAddedResponse = z.object({
  passkey: passkeyView,
  recovery_codes: z.nullable(z.array(z.string())),
});
export type PasskeyAddedResponse = z.infer<typeof passkeyAddedResponse>;

/** `POST /api/v1/auth/oidc/exchange`: the one-time code a provider's sign-in handed over. */
export const oidcExchangeBody = z.strictObject({
  code: z.string().check(z.minLength(1), z.maxLength(128)),
});
export type OidcExchangeBody = z.infer<typeof oidcExchangeBody>;

/**
 * `POST /api/v1/auth/oidc/:provider/device`: a device sign-in begun for the terminal
 * client. The person opens `verification_uri` (or `verification_uri_complete`, which
 * carries the code) and enters `user_code`; the client polls with `device_id`.
 */
export const oidcDeviceStart = z.object({
  device_id: z.string(),
  user_code: z.string(),
  verification_uri: z.string(),
  verification_uri_complete: z.optional(z.string()),
  expires_in: z.number(),
  interval: z.number(),
});
export type OidcDeviceStart = z.infer<typeof oidcDeviceStart>;

/** `POST /api/v1/auth/oidc/device/token`: one poll of a device sign-in. */
export const oidcDevicePollBody = z.strictObject({
  device_id: z.string().check(z.minLength(1), z.maxLength(4096)),
});
export type OidcDevicePollBody = z.infer<typeof oidcDevicePollBody>;

/** The poll's 202: the person has not said yes yet; poll again at once. */
export const oidcDevicePending = z.object({ pending: z.literal(true), interval: z.number() });
export type OidcDevicePending = z.infer<typeof oidcDevicePending>;
