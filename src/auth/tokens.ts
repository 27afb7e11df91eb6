/**
 * Access tokens: HS256 JWTs whose `jti` names a session row. The algorithm is pinned and
 * keys come only from configuration, never from the token's header. Secrets listed in
 * `previous_jwt_secrets` still verify, so a rotation need not log everybody out.
 */
import { webcrypto } from "node:crypto";
import { base64url, errors, jwtVerify, SignJWT } from "jose";
import type { JwtSecrets } from "../config/secrets.js";
import { AppError } from "../errors.js";

export const TOKEN_ISSUER = "private-chat";
export const TOKEN_AUDIENCE = "private-chat";
const TOKEN_TYPE = "JWT";
// Tickets are JWTs of another type and audience, so neither can stand in for the other.
const TICKET_TYPE = "chat-ticket";
const TICKET_AUDIENCE = "private-chat/socket";
export const TICKET_LIFETIME_MS = 30_000;

export interface TokenClaims {
  userId: string;
  sessionId: string;
  expiresAt: number;
}

/**
 * Base64url lets the last character of a segment carry unused bits, so several spellings
 * decode to one signature. Only the canonical spelling is accepted: a token has exactly
 * one valid form, and a mutated copy of it is never accepted.
 */
function isCanonical(token: string): boolean {
  const parts = token.split(".");
  if (parts.length !== 3) return false;
  try {
    return parts.every(
      (part) => /^[A-Za-z0-9_-]*$/.test(part) && base64url.encode(base64url.decode(part)) === part,
    );
  } catch {
    return false;
  }
}

type CryptoKey = webcrypto.CryptoKey;

/** A secret as an HMAC-SHA-256 key for signing and verifying. */
function importSecret(secret: string): Promise<CryptoKey> {
  return webcrypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign", "verify"],
  );
}

export class TokenService {
  /**
   * The current secret first, then the previous ones. Imported once: given raw bytes, jose
   * imports the key again on every call, which a reconnect storm's thousands of
   * handshakes a second pay for.
   */
  private readonly keys: Promise<CryptoKey[]>;

  constructor(secrets: JwtSecrets) {
    this.keys = Promise.all([secrets.current, ...secrets.previous].map(importSecret));
    // A key that cannot be imported fails each call that awaits it, not the process.
    this.keys.catch(() => {});
  }

  private async current(): Promise<CryptoKey> {
    return (await this.keys)[0] as CryptoKey;
  }

  async sign(
    userId: string,
    sessionId: string,
    issuedAt: number,
    expiresAt: number,
  ): Promise<string> {
    return new SignJWT({})
      .setProtectedHeader({ alg: "HS256", typ: TOKEN_TYPE })
      .setSubject(userId)
      .setJti(sessionId)
      .setIssuer(TOKEN_ISSUER)
      .setAudience(TOKEN_AUDIENCE)
      .setIssuedAt(Math.floor(issuedAt / 1000))
      .setNotBefore(Math.floor(issuedAt / 1000))
      .setExpirationTime(Math.floor(expiresAt / 1000))
      .sign(await this.current());
  }

  /** A single-use socket ticket: a 30 s JWT of its own type, naming the session. */
  async signTicket(
    userId: string,
    sessionId: string,
    ticketId: string,
    issuedAt: number,
  ): Promise<string> {
    return new SignJWT({ sid: sessionId })
      .setProtectedHeader({ alg: "HS256", typ: TICKET_TYPE })
      .setSubject(userId)
      .setJti(ticketId)
      .setIssuer(TOKEN_ISSUER)
      .setAudience(TICKET_AUDIENCE)
      .setIssuedAt(Math.floor(issuedAt / 1000))
      .setNotBefore(Math.floor(issuedAt / 1000))
      .setExpirationTime(Math.floor((issuedAt + TICKET_LIFETIME_MS) / 1000))
      .sign(await this.current());
  }

  /** Checks a ticket's signature and claims; throws AppError `unauthorized`. */
  async verifyTicket(
    ticket: string,
  ): Promise<{ userId: string; sessionId: string; ticketId: string }> {
    if (!isCanonical(ticket)) {
      throw new AppError("unauthorized", "the socket ticket is invalid, expired or already used");
    }
    for (const key of await this.keys) {
      try {
        const { payload } = await jwtVerify(ticket, key, {
          algorithms: ["HS256"],
          issuer: TOKEN_ISSUER,
          audience: TICKET_AUDIENCE,
          typ: TICKET_TYPE,
          requiredClaims: ["sub", "jti", "exp", "nbf", "sid"],
        });
        if (
          typeof payload.sub === "string" &&
          typeof payload.jti === "string" &&
          typeof payload.sid === "string"
        ) {
          return { userId: payload.sub, sessionId: payload.sid, ticketId: payload.jti };
        }
        break;
      } catch {
        // try the next key
      }
    }
    throw new AppError("unauthorized", "the socket ticket is invalid, expired or already used");
  }

  /** Checks signature and claims; throws AppError `unauthorized` or `token_expired`. */
  async verify(token: string): Promise<TokenClaims> {
    if (!isCanonical(token)) throw new AppError("unauthorized", "a valid access token is required");
    let expired = false;
    for (const key of await this.keys) {
      try {
        const { payload } = await jwtVerify(token, key, {
          algorithms: ["HS256"],
          issuer: TOKEN_ISSUER,
          audience: TOKEN_AUDIENCE,
          typ: TOKEN_TYPE,
          requiredClaims: ["sub", "jti", "exp", "nbf"],
        });
        if (
          typeof payload.sub !== "string" ||
          typeof payload.jti !== "string" ||
          typeof payload.exp !== "number"
        ) {
          break;
        }
        return { userId: payload.sub, sessionId: payload.jti, expiresAt: payload.exp * 1000 };
      } catch (err) {
        if (err instanceof errors.JWTExpired) expired = true;
        // Any other failure: try the next key; a bad token fails on all of them.
      }
    }
    if (expired) throw new AppError("token_expired", "the access token has expired; sign in again");
    throw new AppError("unauthorized", "a valid access token is required");
  }
}
