/**
 * What an access token needs to call each route. A sign-in (a password session) may call
 * every route its user may; a token only those its scopes name. "any": every token (who
 * am I, the user directory); "sign-in": no token at all — managing tokens, bots, the
 * password, the account itself and push subscriptions stays with a person at a client.
 *
 * A route missing here refuses every token (the authorisation suite checks that none is).
 */
import type { TokenScope } from "@private-chat/protocol/tokens";

export type RouteScope = TokenScope | "any" | "sign-in";

const R = "conversations:read";
const W = "conversations:write";
const MR = "messages:read";
const MW = "messages:write";
const F = "files:write";

export const ROUTE_SCOPES: Readonly<Record<string, RouteScope>> = {
  "POST /api/v1/auth/logout": "sign-in",
  "POST /api/v1/auth/password": "sign-in",
  // Second factors stay with a person at a client, like the password.
  "GET /api/v1/me/two-factor": "sign-in",
  "POST /api/v1/me/two-factor/totp": "sign-in",
  "POST /api/v1/me/two-factor/totp/confirm": "sign-in",
  "DELETE /api/v1/me/two-factor/totp": "sign-in",
  "POST /api/v1/me/two-factor/recovery-codes": "sign-in",
  "POST /api/v1/me/passkeys/options": "sign-in",
  "POST /api/v1/me/passkeys": "sign-in",
  "DELETE /api/v1/me/passkeys/:id": "sign-in",
  "GET /api/v1/me/sign-in-providers": "sign-in",
  "POST /api/v1/me/sign-in-providers/:provider/link": "sign-in",
  "DELETE /api/v1/me/sign-in-providers/:provider": "sign-in",
  "POST /api/v1/socket-ticket": MR,
  "GET /api/v1/me": "any",
  "DELETE /api/v1/me": "sign-in",
  "GET /api/v1/me/export": "sign-in",
  "GET /api/v1/me/notifications": R,
  "PUT /api/v1/me/notifications": W,
  "GET /api/v1/sessions": "sign-in",
  "DELETE /api/v1/sessions/:id": "sign-in",
  "GET /api/v1/tokens": "sign-in",
  "POST /api/v1/tokens": "sign-in",
  "DELETE /api/v1/tokens/:id": "sign-in",
  "GET /api/v1/bots": "sign-in",
  "POST /api/v1/bots": "sign-in",
  "DELETE /api/v1/bots/:id": "sign-in",
  "GET /api/v1/bots/:id/tokens": "sign-in",
  "POST /api/v1/bots/:id/tokens": "sign-in",
  "DELETE /api/v1/bots/:id/tokens/:tokenId": "sign-in",
  // A bot's own token may manage its own (see outgoing/service.ts); a person signs in.
  "GET /api/v1/bots/:id/subscriptions": MR,
  "POST /api/v1/bots/:id/subscriptions": MR,
  "DELETE /api/v1/bots/:id/subscriptions/:subscriptionId": MR,
  "GET /api/v1/bots/:id/commands": MW,
  "POST /api/v1/bots/:id/commands": MW,
  "DELETE /api/v1/bots/:id/commands/:commandId": MW,
  "GET /api/v1/users": "any",
  "GET /api/v1/users/:id": "any",
  "GET /api/v1/blocks": R,
  "POST /api/v1/blocks": W,
  "DELETE /api/v1/blocks/:user_id": W,
  // Devices and key packages of end-to-end encryption: people at their clients, never a
  // token (so never a bot, whose only way in is a token).
  "GET /api/v1/devices": "sign-in",
  "POST /api/v1/devices": "sign-in",
  "PATCH /api/v1/devices/:id": "sign-in",
  "DELETE /api/v1/devices/:id": "sign-in",
  "POST /api/v1/devices/:id/key-packages": "sign-in",
  "POST /api/v1/devices/:id/history-shares": "sign-in",
  "GET /api/v1/devices/:id/history-shares": "sign-in",
  "GET /api/v1/devices/:id/history-shares/:share_id": "sign-in",
  "DELETE /api/v1/devices/:id/history-shares/:share_id": "sign-in",
  "GET /api/v1/users/:id/devices": "sign-in",
  "POST /api/v1/users/:id/key-packages/claim": "sign-in",
  // The key backup of end-to-end encryption, likewise: a person's, at their clients.
  "GET /api/v1/key-backup": "sign-in",
  "PUT /api/v1/key-backup": "sign-in",
  "DELETE /api/v1/key-backup": "sign-in",
  "GET /api/v1/key-backup/chunks": "sign-in",
  "GET /api/v1/key-backup/chunks/:id": "sign-in",
  "PUT /api/v1/key-backup/chunks/:id": "sign-in",
  "DELETE /api/v1/key-backup/chunks/:id": "sign-in",
  "GET /api/v1/conversations": R,
  "POST /api/v1/conversations": W,
  "GET /api/v1/conversations/:id": R,
  "PATCH /api/v1/conversations/:id": W,
  "POST /api/v1/conversations/:id/accept": W,
  "POST /api/v1/conversations/:id/decline": W,
  "POST /api/v1/conversations/:id/members": W,
  "PATCH /api/v1/conversations/:id/members/:user_id": W,
  "DELETE /api/v1/conversations/:id/members/:user_id": W,
  "GET /api/v1/conversations/:id/notifications": R,
  "PUT /api/v1/conversations/:id/notifications": W,
  "GET /api/v1/conversations/:id/messages": MR,
  "POST /api/v1/conversations/:id/messages": MW,
  "POST /api/v1/conversations/:id/read": MW,
  "GET /api/v1/conversations/:id/pins": MR,
  "GET /api/v1/conversations/:id/webhooks": R,
  "POST /api/v1/conversations/:id/webhooks": W,
  "DELETE /api/v1/webhooks/:id": W,
  "GET /api/v1/conversations/:id/commands": R,
  "POST /api/v1/conversations/:id/commands": MW,
  "POST /api/v1/conversations/:id/attachments": F,
  "GET /api/v1/attachments/:id": MR,
  "GET /api/v1/attachments/:id/thumbnail": MR,
  "GET /api/v1/messages/:id": MR,
  "PATCH /api/v1/messages/:id": MW,
  "DELETE /api/v1/messages/:id": MW,
  "GET /api/v1/messages/:id/versions": MR,
  "GET /api/v1/messages/:id/thread": MR,
  "POST /api/v1/messages/:id/thread/read": MW,
  "PUT /api/v1/messages/:id/follow": MW,
  "DELETE /api/v1/messages/:id/follow": MW,
  "POST /api/v1/messages/:id/pin": MW,
  "DELETE /api/v1/messages/:id/pin": MW,
  "POST /api/v1/messages/:id/reactions": MW,
  "DELETE /api/v1/messages/:id/reactions/:emoji": MW,
  "GET /api/v1/search": MR,
  "GET /api/v1/sync": MR,
  "GET /api/v1/threads": MR,
  "GET /api/v1/push/key": "sign-in",
  "GET /api/v1/push/subscriptions": "sign-in",
  "POST /api/v1/push/subscriptions": "sign-in",
  "DELETE /api/v1/push/subscriptions/:id": "sign-in",
  "POST /api/v1/push/subscriptions/:id/test": "sign-in",
  "GET /api/v1/admin/audit": "admin",
  "GET /api/v1/admin/conversations/:id/export": "admin",
  "GET /api/v1/admin/invites": "admin",
  "POST /api/v1/admin/invites": "admin",
  "DELETE /api/v1/admin/invites/:id": "admin",
  "GET /api/v1/admin/server": "admin",
  "GET /api/v1/admin/settings": "admin",
  "PATCH /api/v1/admin/settings": "admin",
  "GET /api/v1/admin/users": "admin",
  "POST /api/v1/admin/users": "admin",
  "PATCH /api/v1/admin/users/:id": "admin",
  "DELETE /api/v1/admin/users/:id": "admin",
  "POST /api/v1/admin/users/:id/reset-password": "admin",
  "DELETE /api/v1/admin/users/:id/two-factor": "admin",
  "GET /api/v1/admin/group-links": "admin",
  "POST /api/v1/admin/group-links": "admin",
  "DELETE /api/v1/admin/group-links/:id": "admin",
  "GET /api/v1/admin/users/:id/sessions": "admin",
  "DELETE /api/v1/admin/users/:id/sessions": "admin",
  "DELETE /api/v1/admin/users/:id/sessions/:sessionId": "admin",
  "POST /api/v1/admin/sessions/revoke-all": "admin",
};

/** Whether a session with `scopes` (null: a sign-in) may call what needs `needed`. */
export function allows(scopes: readonly TokenScope[] | null, needed: RouteScope | undefined) {
  if (scopes === null) return true;
  if (needed === undefined || needed === "sign-in") return false;
  return needed === "any" || scopes.includes(needed);
}

export function scopeOfRoute(method: string, url: string | undefined): RouteScope | undefined {
  return url === undefined ? undefined : ROUTE_SCOPES[`${method} ${url}`];
}
