/**
 * GET /api/v1/server on the wire: what a client needs to know before signing in.
 */
import { z } from "zod/mini";

export const serverInfo = z.object({
  name: z.string(),
  version: z.string(),
  registration: z.enum(["open", "invite", "closed"]),
  max_body_chars: z.number(),
  /**
   * How long messages are kept, in days (0: for ever): the server's default, and the most
   * a group may set (0: no limit).
   */
  retention: z.object({ messages_days: z.number(), max_days: z.number() }),
  /** What deleting an account does to its messages ([accounts] on_delete). */
  accounts: z.object({ on_delete: z.enum(["anonymize", "erase"]) }),
  /**
   * The OpenID Connect providers to offer as "Sign in with <name>": each signs in at
   * GET /api/v1/auth/oidc/<id>/start.
   */
  sign_in_providers: z.array(z.object({ id: z.string(), name: z.string() })),
});
export type ServerInfo = z.infer<typeof serverInfo>;
