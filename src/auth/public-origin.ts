/**
 * The origin people reach the server at: `[server] public_url` when set, else the one the
 * request came to. Passkeys are bound to it; sign-in providers send people back to it.
 */
import { AppError } from "../errors.js";
import type { ClientContext } from "./service.js";

export function publicOrigin(publicUrl: string, client: ClientContext): string {
  const base = publicUrl || client.origin;
  if (!base) throw new AppError("invalid_request", "the request names no host");
  return new URL(base).origin;
}
