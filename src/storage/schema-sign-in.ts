import type { Generated } from "kysely";

/**
 * The tables of signing in beyond a password: second factors (TOTP secrets, recovery
 * codes, passkeys and the challenges WebAuthn signs), identities elsewhere and OpenID
 * Connect sign-ins under way. Part of the Database of schema.ts.
 */

export interface TotpFactorsTable {
  user_id: string;
  /** Base32, as the authenticator app got it: the server computes codes from it. */
  secret: string;
  created_at: number;
  /** Null until a first code proves the app holds the secret. */
  confirmed_at: number | null;
  /** The last time step a code was accepted for: a code is good once. */
  last_step: number;
}

export interface RecoveryCodesTable {
  user_id: string;
  /** SHA-256 of the code, hex: the code itself is never stored. */
  code_hash: string;
  created_at: number;
  used_at: number | null;
}

export interface PasskeysTable {
  /** The credential id, base64url. */
  id: string;
  user_id: string;
  name: string;
  /** The COSE public key, base64url. */
  public_key: string;
  counter: number;
  /** JSON array of the authenticator's transports. */
  transports: string;
  created_at: number;
  last_used_at: number | null;
}

export interface AuthChallengesTable {
  challenge: string;
  purpose: "passkey.register" | "passkey.sign_in";
  user_id: string | null;
  expires_at: number;
}

export interface ExternalIdentitiesTable {
  /** "oidc:<provider id>" or "ldap". */
  provider: string;
  /** The provider's stable id for the person (`sub`, entryUUID, objectGUID). */
  subject: string;
  user_id: string;
  created_at: number;
  /** A provider's refresh token, sealed (oidc/refresh-tokens.ts); null: none to check with. */
  refresh_token: string | null;
  /** When a node last checked that the provider still knows the person. */
  checked_at: number | null;
}

export interface OidcSignInsTable {
  state: string;
  provider: string;
  code_verifier: string;
  nonce: string;
  /** 1: started by the terminal client, which gets the code pasted by its person. */
  for_terminal: Generated<number>;
  /** Started from Settings to link this account to the provider (migration 031). */
  link_user_id: string | null;
  /** SHA-256 of the link cookie of the browser that started it. */
  link_binding: string | null;
  expires_at: number;
}

export interface OidcHandoffsTable {
  /** SHA-256 of the one-time code, hex. */
  code_hash: string;
  session_id: string;
  expires_at: number;
}

export interface GroupLinksTable {
  id: string;
  /** "oidc:<provider id>" or "ldap". */
  source: string;
  group_name: string;
  conversation_id: string;
  created_by: string;
  created_at: number;
}

export interface GroupLinkMembersTable {
  link_id: string;
  user_id: string;
}
