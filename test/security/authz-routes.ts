/**
 * One entry per HTTP route of the app: how to call it as an attacker in the
 * authorisation matrix, and what it is scoped to. The matrix fails on a route that is
 * neither here nor in PUBLIC_ROUTES, so every new route has to be given a case.
 */

import { randomUUID } from "node:crypto";
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import type { RouteEntry } from "../../src/http/route-table.js";
import { WEB_ROOT } from "../../src/http/web-app.js";
import { DEVICE_CASES, KEY_BACKUP_CASES } from "./authz-routes-devices.js";
import { INTEGRATION_CASES } from "./authz-routes-integrations.js";
import { SIGN_IN_CASES } from "./authz-routes-sign-in.js";
import { API, type Attacker, type World } from "./authz-world.js";

/**
 * conversation / message / attachment: about the world's group, one of its messages or
 * files (outsiders get 404). foreign: about another user's object (404). admin: administrators only (403).
 * self: about the caller alone; any status below 500 will do, as long as nothing of the
 * group leaks.
 */
export type Scope = "conversation" | "message" | "attachment" | "foreign" | "admin" | "self";

export interface RouteCall {
  path: string;
  body?: unknown;
  /** Sent as multipart/form-data with one file part instead of a JSON body. */
  file?: { name: string; content: string };
}

export interface RouteCase {
  scope: Scope;
  call(world: World, attacker: Attacker): RouteCall;
  /** The user directory: other users' names may appear. */
  directory?: boolean;
  /** Ends the caller's session: run it on a session of its own. */
  endsSession?: boolean;
  /** A former member may see their own departure (the group's id) here. */
  showsOwnDeparture?: boolean;
}

const g = (w: World) => `${API}/conversations/${w.group}`;
const m = (w: World) => `${API}/messages/${w.early.id}`;
const fixed = (path: string, body?: unknown) => (): RouteCall => ({ path: `${API}${path}`, body });

export const ROUTE_CASES: Record<string, RouteCase> = {
  // --- the caller's own account ---------------------------------------------------------
  "POST /api/v1/auth/logout": { scope: "self", endsSession: true, call: fixed("/auth/logout") },
  "POST /api/v1/auth/password": {
    scope: "self",
    // A wrong current password: the route is reached, the account is left as it was.
    call: fixed("/auth/password", {
      current_password: "not the password at all",
      new_password: "another password entirely",
    }),
  },
  "POST /api/v1/socket-ticket": { scope: "self", call: fixed("/socket-ticket") },
  "GET /api/v1/me": { scope: "self", call: fixed("/me") },
  "DELETE /api/v1/me": {
    scope: "self",
    // A wrong password: the route is reached, the account stays.
    call: fixed("/me", { password: "not the password at all" }),
  },
  "GET /api/v1/sessions": { scope: "self", call: fixed("/sessions") },
  // The caller's own data only: conversations they are in now or have left (the id of one
  // left, nothing said since; test/api/export.test.ts reads the zip), messages they wrote.
  "GET /api/v1/me/export": { scope: "self", showsOwnDeparture: true, call: fixed("/me/export") },
  "DELETE /api/v1/sessions/:id": {
    scope: "foreign",
    call: (w) => ({ path: `${API}/sessions/${w.ownerSessionId}` }),
  },
  "GET /api/v1/sync": {
    scope: "self",
    showsOwnDeparture: true,
    call: fixed("/sync?since=0"),
  },
  "GET /api/v1/users": { scope: "self", directory: true, call: fixed("/users?q=") },
  "GET /api/v1/users/:id": {
    scope: "self",
    directory: true,
    call: (w) => ({ path: `${API}/users/${w.owner.id}` }),
  },
  // The conversation list carries unread counts: the group must not be in it.
  "GET /api/v1/conversations": { scope: "self", call: fixed("/conversations") },
  "POST /api/v1/conversations": {
    scope: "self",
    call: fixed("/conversations", { type: "group", title: "a room of my own", member_ids: [] }),
  },

  // --- the group ------------------------------------------------------------------------
  "GET /api/v1/conversations/:id": { scope: "conversation", call: (w) => ({ path: g(w) }) },
  "GET /api/v1/conversations/:id/notifications": {
    scope: "conversation",
    call: (w) => ({ path: `${g(w)}/notifications` }),
  },
  "PUT /api/v1/conversations/:id/notifications": {
    scope: "conversation",
    call: (w) => ({ path: `${g(w)}/notifications`, body: { level: "none" } }),
  },
  "PATCH /api/v1/conversations/:id": {
    scope: "conversation",
    call: (w) => ({ path: g(w), body: { title: "taken over" } }),
  },
  "POST /api/v1/conversations/:id/members": {
    scope: "conversation",
    call: (w, a) => ({
      path: `${g(w)}/members`,
      body: { user_ids: [a === "anonymous" ? w.nonMember.id : w[a].id] },
    }),
  },
  "PATCH /api/v1/conversations/:id/members/:user_id": {
    scope: "conversation",
    call: (w) => ({ path: `${g(w)}/members/${w.member.id}`, body: { role: "admin" } }),
  },
  "DELETE /api/v1/conversations/:id/members/:user_id": {
    scope: "conversation",
    call: (w) => ({ path: `${g(w)}/members/${w.member.id}` }),
  },
  "POST /api/v1/conversations/:id/accept": {
    scope: "conversation",
    call: (w) => ({ path: `${g(w)}/accept` }),
  },
  "POST /api/v1/conversations/:id/decline": {
    scope: "conversation",
    call: (w) => ({ path: `${g(w)}/decline` }),
  },
  // --- the caller's own blocks: private to them, about nobody in the world ----------------
  "POST /api/v1/blocks": { scope: "self", call: fixed("/blocks", { user_id: randomUUID() }) },
  "GET /api/v1/blocks": { scope: "self", call: fixed("/blocks") },
  "DELETE /api/v1/blocks/:user_id": { scope: "self", call: fixed(`/blocks/${randomUUID()}`) },
  "POST /api/v1/conversations/:id/read": {
    scope: "conversation",
    call: (w) => ({ path: `${g(w)}/read`, body: { seq: 1 } }),
  },
  "POST /api/v1/conversations/:id/messages": {
    scope: "conversation",
    call: (w) => ({ path: `${g(w)}/messages`, body: { body: "let me in" } }),
  },
  "GET /api/v1/conversations/:id/messages": {
    scope: "conversation",
    call: (w) => ({ path: `${g(w)}/messages?limit=100` }),
  },
  "GET /api/v1/messages/:id": { scope: "message", call: (w) => ({ path: m(w) }) },
  "GET /api/v1/messages/:id/thread": {
    scope: "message",
    call: (w) => ({ path: `${m(w)}/thread?limit=100` }),
  },
  "PUT /api/v1/messages/:id/follow": {
    scope: "message",
    call: (w) => ({ path: `${m(w)}/follow` }),
  },
  "DELETE /api/v1/messages/:id/follow": {
    scope: "message",
    call: (w) => ({ path: `${m(w)}/follow` }),
  },
  "POST /api/v1/messages/:id/thread/read": {
    scope: "message",
    call: (w) => ({ path: `${m(w)}/thread/read`, body: { thread_seq: 1 } }),
  },
  "GET /api/v1/threads": { scope: "self", call: fixed("/threads?limit=100") },
  "GET /api/v1/messages/:id/versions": {
    scope: "message",
    call: (w) => ({ path: `${m(w)}/versions` }),
  },
  "PATCH /api/v1/messages/:id": {
    scope: "message",
    call: (w) => ({ path: m(w), body: { body: "rewritten" } }),
  },
  "DELETE /api/v1/messages/:id": { scope: "message", call: (w) => ({ path: m(w) }) },
  "POST /api/v1/messages/:id/reactions": {
    scope: "message",
    call: (w) => ({ path: `${m(w)}/reactions`, body: { emoji: "👎" } }),
  },
  "DELETE /api/v1/messages/:id/reactions/:emoji": {
    scope: "message",
    call: (w) => ({ path: `${m(w)}/reactions/${encodeURIComponent("👍")}` }),
  },
  "POST /api/v1/messages/:id/pin": { scope: "message", call: (w) => ({ path: `${m(w)}/pin` }) },
  "DELETE /api/v1/messages/:id/pin": { scope: "message", call: (w) => ({ path: `${m(w)}/pin` }) },
  "GET /api/v1/conversations/:id/pins": {
    scope: "conversation",
    call: (w) => ({ path: `${g(w)}/pins` }),
  },
  "POST /api/v1/conversations/:id/attachments": {
    scope: "conversation",
    call: (w) => ({
      path: `${g(w)}/attachments`,
      file: { name: "intruder.txt", content: "planted" },
    }),
  },
  "GET /api/v1/attachments/:id": {
    scope: "attachment",
    call: (w) => ({ path: `${API}/attachments/${w.attachmentId}` }),
  },
  "GET /api/v1/attachments/:id/thumbnail": {
    scope: "attachment",
    call: (w) => ({ path: `${API}/attachments/${w.attachmentId}/thumbnail` }),
  },
  // Searching everywhere (no conversation_id) is covered by its own test in the matrix.
  "GET /api/v1/search": {
    scope: "conversation",
    call: (w) => ({ path: `${API}/search?q=body&conversation_id=${w.group}` }),
  },

  // --- notification settings: the caller's own ------------------------------------------
  "GET /api/v1/me/notifications": { scope: "self", call: fixed("/me/notifications") },
  "PUT /api/v1/me/notifications": {
    scope: "self",
    call: fixed("/me/notifications", {
      dnd: { start: "22:00", end: "07:00", time_zone: "Europe/Berlin" },
    }),
  },

  // --- Web Push: the caller's own subscriptions -----------------------------------------
  "GET /api/v1/push/key": { scope: "self", call: fixed("/push/key") },
  "GET /api/v1/push/subscriptions": { scope: "self", call: fixed("/push/subscriptions") },
  "POST /api/v1/push/subscriptions": {
    scope: "self",
    call: fixed("/push/subscriptions", {
      endpoint: "https://push.example.invalid/send/1",
      keys: { p256dh: "BAAA", auth: "AAAA" },
    }),
  },
  // Another user's subscription ids are never shown; any id answers as one of the caller's.
  "DELETE /api/v1/push/subscriptions/:id": {
    scope: "self",
    call: () => ({ path: `${API}/push/subscriptions/${randomUUID()}` }),
  },
  "POST /api/v1/push/subscriptions/:id/test": {
    scope: "self",
    call: () => ({ path: `${API}/push/subscriptions/${randomUUID()}/test` }),
  },

  ...INTEGRATION_CASES,
  ...SIGN_IN_CASES,
  ...DEVICE_CASES,
  ...KEY_BACKUP_CASES,

  // --- administration -------------------------------------------------------------------
  "GET /api/v1/admin/users": { scope: "admin", call: fixed("/admin/users") },
  "POST /api/v1/admin/users": {
    scope: "admin",
    call: fixed("/admin/users", { username: `intruder_${randomUUID().slice(0, 8)}` }),
  },
  "PATCH /api/v1/admin/users/:id": {
    scope: "admin",
    call: (w) => ({ path: `${API}/admin/users/${w.owner.id}`, body: { disabled: true } }),
  },
  "DELETE /api/v1/admin/users/:id": {
    scope: "admin",
    call: (w) => ({ path: `${API}/admin/users/${w.owner.id}` }),
  },
  "POST /api/v1/admin/users/:id/reset-password": {
    scope: "admin",
    call: (w) => ({ path: `${API}/admin/users/${w.owner.id}/reset-password`, body: {} }),
  },
  "GET /api/v1/admin/users/:id/sessions": {
    scope: "admin",
    call: (w) => ({ path: `${API}/admin/users/${w.owner.id}/sessions` }),
  },
  "DELETE /api/v1/admin/users/:id/sessions": {
    scope: "admin",
    call: (w) => ({ path: `${API}/admin/users/${w.owner.id}/sessions` }),
  },
  "DELETE /api/v1/admin/users/:id/sessions/:sessionId": {
    scope: "admin",
    call: (w) => ({ path: `${API}/admin/users/${w.owner.id}/sessions/${w.ownerSessionId}` }),
  },
  "GET /api/v1/admin/server": { scope: "admin", call: fixed("/admin/server") },
  "GET /api/v1/admin/settings": { scope: "admin", call: fixed("/admin/settings") },
  "PATCH /api/v1/admin/settings": {
    scope: "admin",
    call: fixed("/admin/settings", { registration: "closed" }),
  },
  "GET /api/v1/admin/invites": { scope: "admin", call: fixed("/admin/invites") },
  "POST /api/v1/admin/invites": { scope: "admin", call: fixed("/admin/invites", {}) },
  "DELETE /api/v1/admin/invites/:id": {
    scope: "admin",
    call: (w) => ({ path: `${API}/admin/invites/${w.inviteId}` }),
  },
  "POST /api/v1/admin/sessions/revoke-all": {
    scope: "admin",
    call: fixed("/admin/sessions/revoke-all"),
  },
  "GET /api/v1/admin/audit": { scope: "admin", call: fixed("/admin/audit") },
  "GET /api/v1/admin/conversations/:id/export": {
    scope: "admin",
    call: (w) => ({ path: `${API}/admin/conversations/${w.group}/export` }),
  },
};

/** Routes anyone may call without a token. */
export const PUBLIC_ROUTES = new Set([
  "GET /health",
  "GET /status",
  "GET /metrics",
  "POST /api/v1/auth/register",
  "POST /api/v1/auth/login",
  // Signing in with a passkey: the passkey's signature is the credential.
  "POST /api/v1/auth/passkey/options",
  "POST /api/v1/auth/passkey",
  // Signing in through a provider: browser navigations, and the one-time code's exchange.
  "GET /api/v1/auth/oidc/:provider/start",
  "GET /api/v1/auth/oidc/:provider/callback",
  "POST /api/v1/auth/oidc/exchange",
  // The terminal client's device sign-in: the provider's consent is the credential.
  "POST /api/v1/auth/oidc/:provider/device",
  "POST /api/v1/auth/oidc/device/token",
  // The provider's own call: the logout token's signature is the credential.
  "POST /api/v1/auth/oidc/:provider/backchannel-logout",
  "GET /api/v1/server",
  "GET /api/v1/openapi.json",
  // A webhook's URL: its secret is the credential (see src/webhooks/hook-route.ts).
  "POST /api/v1/hooks/:secret",
  // The page shown when the web app is not built, and the way into the admin console
  // (a redirect to the app, which asks the API, which refuses anyone but an admin).
  "GET /",
  "GET /admin",
]);

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...filesUnder(path));
    else out.push(path);
  }
  return out;
}

/** The static web app: one GET route per built file (and the directory index). */
export function webAppRoutes(root = WEB_ROOT): Set<string> {
  const routes = new Set<string>();
  try {
    for (const file of filesUnder(root)) {
      const path = relative(root, file).split("\\").join("/");
      routes.add(`GET /${path}`);
      if (path.endsWith("index.html")) routes.add(`GET /${path.slice(0, -"index.html".length)}`);
    }
  } catch {
    // not built: only the placeholder page at "/" is registered
  }
  return routes;
}

export const routeKey = (route: RouteEntry) => `${route.method} ${route.url}`;

/**
 * The routes that need a case: HEAD routes are Fastify's automatic twins of GET routes
 * (same handler, same hooks), so the GET case covers them.
 */
export function routesNeedingCases(routes: readonly RouteEntry[]): {
  covered: string[];
  uncovered: string[];
} {
  const exempt = new Set([...PUBLIC_ROUTES, ...webAppRoutes()]);
  const keys = [...new Set(routes.filter((r) => r.method !== "HEAD").map(routeKey))];
  const needing = keys.filter((k) => !exempt.has(k));
  return {
    covered: needing.filter((k) => Object.hasOwn(ROUTE_CASES, k)),
    uncovered: needing.filter((k) => !Object.hasOwn(ROUTE_CASES, k)),
  };
}
