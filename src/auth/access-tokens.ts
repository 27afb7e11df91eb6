/**
 * Personal access tokens: made by a signed-in person for themselves or for one of their
 * bots, shown once, stored as a SHA-256 hash, listed without the secret, revoked on every
 * node through the session they are (sessions.revoked closes the sockets they opened).
 *
 * A secret is `pct_` and 40 characters of [A-Za-z0-9] (about 238 bits): a prefix that
 * secret scanners can be taught, and nothing a URL or a shell would mangle.
 */
import { createHash, randomBytes, randomUUID } from "node:crypto";
import {
  type CreateTokenBody,
  TOKEN_PREFIX,
  type TokenScope,
  type TokenView,
} from "@private-chat/protocol/tokens";
import { AppError } from "../errors.js";
import type { DomainEvents } from "../events/bus.js";
import type { AccessToken } from "../storage/access-tokens.js";
import type { Repositories, Store } from "../storage/store.js";
import type { User } from "../storage/users.js";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const SECRET_LENGTH = 40;
/** A token that does not expire still needs a session expiry: this one never comes. */
export const NEVER = Number.MAX_SAFE_INTEGER;
/** More live tokens than this per account is a leak waiting to happen, not a need. */
export const MAX_TOKENS_PER_USER = 100;

/** `prefix` and 40 characters of [A-Za-z0-9] (about 238 bits): a token or a signing secret. */
export function newSecret(prefix: string = TOKEN_PREFIX): string {
  let out = prefix;
  while (out.length < prefix.length + SECRET_LENGTH) {
    for (const byte of randomBytes(64)) {
      // 248 = 4 × 62: bytes above it are dropped, so every character is equally likely.
      if (byte < 248 && out.length < prefix.length + SECRET_LENGTH) out += ALPHABET[byte % 62];
    }
  }
  return out;
}

export function looksLikeAccessToken(bearer: string): boolean {
  return bearer.startsWith(TOKEN_PREFIX);
}

export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

export function presentToken(token: AccessToken): TokenView {
  return {
    id: token.id,
    name: token.name,
    scopes: token.scopes,
    created_at: token.createdAt,
    last_used_at: token.lastUsedAt,
    expires_at: token.expiresAt,
  };
}

export interface IssuedToken {
  secret: string;
  token: AccessToken;
}

export class AccessTokens {
  constructor(
    private readonly store: Store,
    private readonly events: DomainEvents,
  ) {}

  /**
   * A new token for `subject` (the caller, or a bot of theirs), made by `maker`. The
   * `admin` scope is only for an administrator's own tokens.
   */
  async issue(
    tx: Repositories,
    maker: User,
    subject: User,
    body: CreateTokenBody,
    client: { ip: string; userAgent: string },
  ): Promise<IssuedToken> {
    const now = Date.now();
    const scopes = [...new Set(body.scopes)].sort() as TokenScope[];
    if (scopes.includes("admin") && (!subject.isAdmin || subject.isBot))
      throw new AppError(
        "forbidden",
        "only an administrator's own tokens may have the admin scope",
      );
    if (body.expires_at !== undefined && body.expires_at <= now)
      throw new AppError("invalid_request", "expires_at must be in the future");
    const live = await tx.accessTokens.listLive(subject.id, now);
    if (live.length >= MAX_TOKENS_PER_USER)
      throw new AppError(
        "conflict",
        `this account has ${MAX_TOKENS_PER_USER} tokens already; revoke one first`,
      );
    const secret = newSecret();
    const sessionId = randomUUID();
    const expiresAt = body.expires_at ?? null;
    await tx.sessions.create({
      id: sessionId,
      userId: subject.id,
      createdAt: now,
      expiresAt: expiresAt ?? NEVER,
      userAgent: client.userAgent,
      ip: client.ip,
      kind: "token",
      scopes,
    });
    await tx.accessTokens.create({
      sessionId,
      userId: subject.id,
      name: body.name,
      tokenHash: hashSecret(secret),
      createdBy: maker.id,
      expiresAt,
    });
    await tx.audit.append({
      actor: { id: maker.id, label: maker.username },
      action: "token.create",
      targetType: "token",
      targetId: sessionId,
      details: { name: body.name, scopes, user: subject.username },
      now,
    });
    return {
      secret,
      token: {
        id: sessionId,
        userId: subject.id,
        name: body.name,
        scopes,
        createdBy: maker.id,
        createdAt: now,
        lastUsedAt: null,
        expiresAt,
      },
    };
  }

  list(userId: string): Promise<AccessToken[]> {
    return this.store.accessTokens.listLive(userId, Date.now());
  }

  /** Revokes one of `owner`'s tokens (or one of their bot's); 404 when it is not theirs. */
  async revoke(actor: User, subjectId: string, tokenId: string): Promise<void> {
    const now = Date.now();
    const revoked = await this.store.transaction(async (tx) => {
      const live = await tx.accessTokens.listLive(subjectId, now);
      if (!live.some((t) => t.id === tokenId)) return false;
      await tx.sessions.revoke(tokenId, subjectId, now);
      await tx.accessTokens.forget([tokenId]);
      await tx.audit.append({
        actor: { id: actor.id, label: actor.username },
        action: "token.revoke",
        targetType: "token",
        targetId: tokenId,
        details: {},
        now,
      });
      return true;
    });
    if (!revoked) throw new AppError("not_found", "token not found");
    this.events.emit("sessions.revoked", { userId: subjectId, sessionIds: [tokenId] });
  }

  /** The session a secret names, or 401: an unknown secret and a revoked one look alike. */
  async sessionOf(secret: string): Promise<{ userId: string; sessionId: string }> {
    const found = await this.store.accessTokens.byHash(hashSecret(secret));
    if (!found) throw new AppError("unauthorized", "this access token is not valid");
    return found;
  }
}
