/**
 * The authorisation matrix's cases for the integration routes: tokens, bots, incoming
 * webhooks, bots' event subscriptions and slash commands (see authz-routes.ts).
 */
import { randomUUID } from "node:crypto";
import type { RouteCase } from "./authz-routes.js";
import { API, type World } from "./authz-world.js";

const g = (w: World) => `${API}/conversations/${w.group}`;
const fixed = (path: string, body?: unknown) => () => ({ path: `${API}${path}`, body });

export const INTEGRATION_CASES: Record<string, RouteCase> = {
  // --- tokens and bots: the caller's own ----------------------------------------------------
  "GET /api/v1/tokens": { scope: "self", call: fixed("/tokens") },
  "POST /api/v1/tokens": {
    scope: "self",
    call: fixed("/tokens", { name: "attacker's", scopes: ["messages:read"] }),
  },
  // Another user's token ids are never shown; any id answers as one of the caller's (404).
  "DELETE /api/v1/tokens/:id": {
    scope: "self",
    call: () => ({ path: `${API}/tokens/${randomUUID()}` }),
  },
  "GET /api/v1/bots": { scope: "self", call: fixed("/bots") },
  // Only administrators make bots here: everyone else gets 403.
  "POST /api/v1/bots": {
    scope: "self",
    call: fixed("/bots", { username: `bot_${randomUUID().slice(0, 8)}` }),
  },
  "DELETE /api/v1/bots/:id": {
    scope: "self",
    call: (w) => ({ path: `${API}/bots/${w.owner.id}` }),
  },
  "GET /api/v1/bots/:id/tokens": {
    scope: "self",
    call: (w) => ({ path: `${API}/bots/${w.owner.id}/tokens` }),
  },
  "POST /api/v1/bots/:id/tokens": {
    scope: "self",
    call: (w) => ({
      path: `${API}/bots/${w.owner.id}/tokens`,
      body: { name: "x", scopes: ["messages:read"] },
    }),
  },
  "DELETE /api/v1/bots/:id/tokens/:tokenId": {
    scope: "self",
    call: (w) => ({ path: `${API}/bots/${w.owner.id}/tokens/${w.ownerSessionId}` }),
  },

  // --- incoming webhooks: a group's, for its members -------------------------------------
  "GET /api/v1/conversations/:id/webhooks": {
    scope: "conversation",
    call: (w) => ({ path: `${g(w)}/webhooks` }),
  },
  "POST /api/v1/conversations/:id/webhooks": {
    scope: "conversation",
    call: (w) => ({ path: `${g(w)}/webhooks`, body: { name: "attacker's hook" } }),
  },
  // Another group's hook ids are never shown to outsiders; any id is not found.
  "DELETE /api/v1/webhooks/:id": {
    scope: "foreign",
    call: () => ({ path: `${API}/webhooks/${randomUUID()}` }),
  },

  // --- bots' outgoing integrations: the owner's alone; slash commands: members' -----------
  // The world's owner is no bot: for everyone, including attackers, the bot is not found.
  "GET /api/v1/bots/:id/subscriptions": {
    scope: "foreign",
    call: (w) => ({ path: `${API}/bots/${w.owner.id}/subscriptions` }),
  },
  "POST /api/v1/bots/:id/subscriptions": {
    scope: "foreign",
    call: (w) => ({
      path: `${API}/bots/${w.owner.id}/subscriptions`,
      body: { url: "https://example.com/hook", events: ["message.new"] },
    }),
  },
  "DELETE /api/v1/bots/:id/subscriptions/:subscriptionId": {
    scope: "foreign",
    call: (w) => ({ path: `${API}/bots/${w.owner.id}/subscriptions/${randomUUID()}` }),
  },
  "GET /api/v1/bots/:id/commands": {
    scope: "foreign",
    call: (w) => ({ path: `${API}/bots/${w.owner.id}/commands` }),
  },
  "POST /api/v1/bots/:id/commands": {
    scope: "foreign",
    call: (w) => ({
      path: `${API}/bots/${w.owner.id}/commands`,
      body: { name: "attack", url: "https://example.com/hook" },
    }),
  },
  "DELETE /api/v1/bots/:id/commands/:commandId": {
    scope: "foreign",
    call: (w) => ({ path: `${API}/bots/${w.owner.id}/commands/${randomUUID()}` }),
  },
  "GET /api/v1/conversations/:id/commands": {
    scope: "conversation",
    call: (w) => ({ path: `${g(w)}/commands` }),
  },
  "POST /api/v1/conversations/:id/commands": {
    scope: "conversation",
    call: (w) => ({ path: `${g(w)}/commands`, body: { name: "deploy", text: "prod" } }),
  },
};
