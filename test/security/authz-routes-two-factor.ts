/**
 * The authorisation matrix's cases for second factors (see authz-routes.ts): a person's
 * own, behind a password asked again; an administrator's reset.
 */
import { randomUUID } from "node:crypto";
import type { RouteCase } from "./authz-routes.js";
import { API } from "./authz-world.js";

const fixed = (path: string, body?: unknown) => () => ({ path: `${API}${path}`, body });
const wrongPassword = { password: "not the password at all" };

export const TWO_FACTOR_CASES: Record<string, RouteCase> = {
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
  "DELETE /api/v1/admin/users/:id/two-factor": {
    scope: "admin",
    call: (w) => ({ path: `${API}/admin/users/${w.owner.id}/two-factor` }),
  },
};
