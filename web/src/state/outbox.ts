/**
 * Sends not yet acknowledged, kept in localStorage so that a reload re-sends them with
 * the same client_id (the server stores each client_id once).
 */
import { readStored, write } from "../api.js";
import type { PendingMessage } from "./chat.js";

const key = (userId: string) => `pc.outbox.${userId}`;

export function loadOutbox(userId: string): PendingMessage[] {
  const list = readStored<PendingMessage[]>(key(userId));
  return Array.isArray(list) ? list.filter((p) => p?.clientId && p.conversation_id) : [];
}

export function persistPending(userId: string, pending: PendingMessage): void {
  const list = loadOutbox(userId).filter((p) => p.clientId !== pending.clientId);
  write(key(userId), [...list, { ...pending, failed: undefined }]);
}

export function forgetPending(userId: string, clientId: string): void {
  const list = loadOutbox(userId);
  const rest = list.filter((p) => p.clientId !== clientId);
  if (rest.length !== list.length) write(key(userId), rest.length > 0 ? rest : undefined);
}
