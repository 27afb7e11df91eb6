/**
 * The authorisation matrix's cases for signing in (see authz-routes.ts): a person's own
 * second factors and links to sign-in providers, behind a password asked again; an
 * administrator's reset of factors, and the provider groups linked to conversations.
 */
import { randomUUID } from "node:crypto";
import type { RouteCase } from "./authz-routes.js";
import { API } from "./authz-world.js";

const fixed = (path: string, body?: unknown) => () => ({ path: `${API}${path}`, body });
const wrongPassword = { password: "not the password at all" };

export const SIGN_IN_CASES: Record<string, RouteCase> = {
  "GET /api/v1/me/two-factor": { scope: "self", call: fixed("/me/two-factor") },
  // A wrong password: the route is reached, nothing changes.
  "POST /api/v1/me/two-factor/totp": {
    scope: "self",
    call: fixed("/me/two-factor/totp", wrongPassword),
  },
  "POST /api/v1/me/two-factor/totp/confirm": {
    scope: "self",
    call: fixed("/me/two-factor/totp/confirm", { code: "000000" }),
  },
  "DELETE /api/v1/me/two-factor/totp": {
    scope: "self",
    call: fixed("/me/two-factor/totp", wrongPassword),
  },
  "POST /api/v1/me/two-factor/recovery-codes": {
    scope: "self",
    call: fixed("/me/two-factor/recovery-codes", wrongPassword),
  },
  "POST /api/v1/me/passkeys/options": {
    scope: "self",
    call: fixed("/me/passkeys/options", wrongPassword),
  },
  // A made-up answer: it verifies against no challenge of the caller's.
  "POST /api/v1/me/passkeys": {
    scope: "self",
    call: fixed("/me/passkeys", {
      name: "attacker's",
      passkey: {
        id: "AAAA",
        rawId: "AAAA",
        type: "public-key",
        response: { clientDataJSON: "e30", attestationObject: "oA" },
        clientExtensionResults: {},
      },
    }),
  },
  "DELETE /api/v1/me/passkeys/:id": {
    scope: "self",
    call: () => ({ path: `${API}/me/passkeys/${randomUUID()}`, body: wrongPassword }),
  },
  "GET /api/v1/me/sign-in-providers": { scope: "self", call: fixed("/me/sign-in-providers") },
  "POST /api/v1/me/sign-in-providers/:provider/link": {
    scope: "self",
    call: fixed("/me/sign-in-providers/corp/link", wrongPassword),
  },
  "DELETE /api/v1/me/sign-in-providers/:provider": {
    scope: "self",
    call: fixed("/me/sign-in-providers/corp", wrongPassword),
  },
  "GET /api/v1/admin/group-links": { scope: "admin", call: fixed("/admin/group-links") },
  "POST /api/v1/admin/group-links": {
    scope: "admin",
    call: (w) => ({
      path: `${API}/admin/group-links`,
      body: { source: "oidc:corp", group: "everyone", conversation_id: w.group },
    }),
  },
  "DELETE /api/v1/admin/group-links/:id": {
    scope: "admin",
    call: () => ({ path: `${API}/admin/group-links/${randomUUID()}` }),
  },
  "DELETE /api/v1/admin/users/:id/two-factor": {
    scope: "admin",
    call: (w) => ({ path: `${API}/admin/users/${w.owner.id}/two-factor` }),
  },
};
