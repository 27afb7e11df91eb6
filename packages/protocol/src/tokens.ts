/**
 * Personal access tokens and bots: what a script or a program signs in with instead of a
 * password. A token is shown once, when it is made; afterwards only its name, scopes and
 * dates are. Scopes narrow what a token may do; they never widen its owner's rights.
 */
import { z } from "zod/mini";
import { userView } from "./rest.js";

export const TOKEN_SCOPES = [
  "messages:read",
  "messages:write",
  "conversations:read",
  "conversations:write",
  "files:write",
  "admin",
] as const;
export const tokenScope = z.enum(TOKEN_SCOPES);
export type TokenScope = z.infer<typeof tokenScope>;

/** Every token starts with this, so that secret scanners can recognise a leaked one. */
export const TOKEN_PREFIX = "pct_";
export const TOKEN_NAME_MAX = 64;

export const tokenName = z.string().check(z.minLength(1), z.maxLength(TOKEN_NAME_MAX));

export const createTokenBody = z.strictObject({
  name: tokenName,
  scopes: z.array(tokenScope).check(z.minLength(1), z.maxLength(TOKEN_SCOPES.length)),
  /** Milliseconds since the epoch; absent: the token does not expire. */
  expires_at: z.optional(z.number().check(z.int())),
});
export type CreateTokenBody = z.infer<typeof createTokenBody>;

export const tokenView = z
  .object({
    id: z.string(),
    name: z.string(),
    scopes: z.array(tokenScope),
    created_at: z.number(),
    last_used_at: z.nullable(z.number()),
    expires_at: z.nullable(z.number()),
  })
  .register(z.globalRegistry, { id: "AccessToken" });
export type TokenView = z.infer<typeof tokenView>;

/** The one answer that holds the secret: `POST /tokens` and `POST /bots`. */
export const createdTokenResponse = z.object({ token: z.string(), access_token: tokenView });
export type CreatedTokenResponse = z.infer<typeof createdTokenResponse>;

export const tokensResponse = z.object({ tokens: z.array(tokenView) });
export type TokensResponse = z.infer<typeof tokensResponse>;

export const createBotBody = z.strictObject({
  username: z.string(),
  display_name: z.optional(z.string().check(z.maxLength(64))),
  /** The scopes of the bot's first token; absent: every scope but `admin`. */
  scopes: z.optional(z.array(tokenScope).check(z.minLength(1), z.maxLength(TOKEN_SCOPES.length))),
});
export type CreateBotBody = z.infer<typeof createBotBody>;

export const botView = z
  .object({ bot: userView, owner_id: z.string() })
  .register(z.globalRegistry, { id: "Bot" });
export type BotView = z.infer<typeof botView>;

export const createdBotResponse = z.object({
  bot: userView,
  owner_id: z.string(),
  token: z.string(),
  access_token: tokenView,
});
export type CreatedBotResponse = z.infer<typeof createdBotResponse>;

export const botsResponse = z.object({ bots: z.array(botView) });
export type BotsResponse = z.infer<typeof botsResponse>;

/** `POST /bots/:id/tokens`: another token for a bot (to rotate one without a gap). */
export const createBotTokenBody = createTokenBody;

const pathId = z.string().check(z.minLength(1), z.maxLength(64));
export const botTokenParams = z.strictObject({ id: pathId, tokenId: pathId });
