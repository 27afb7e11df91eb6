/**
 * Sends not yet acknowledged, kept in localStorage so that a reload re-sends them with
 * the same client_id (the server stores each client_id once).
 */

import { attachmentView } from "@private-chat/protocol/attachments";
import { z } from "zod/mini";
import { readStored, write } from "../api.js";
import type { PendingMessage } from "./chat.js";

const pendingMessage = z.object({
  clientId: z.string().check(z.minLength(1)),
  conversation_id: z.string().check(z.minLength(1)),
  body: z.string(),
  reply_to: z.optional(z.string()),
  attachments: z.optional(z.array(attachmentView)),
  thread_id: z.optional(z.string()),
  also_to_conversation: z.optional(z.boolean()),
  created_at: z.number(),
});
// An entry that no longer decodes is dropped alone, not the whole outbox.
const storedOutbox = z.array(z.unknown());

const key = (userId: string) => `pc.outbox.${userId}`;

export function loadOutbox(userId: string): PendingMessage[] {
  const list = readStored(key(userId), storedOutbox) ?? [];
  return list.flatMap((entry): PendingMessage[] => {
    const parsed = pendingMessage.safeParse(entry);
    return parsed.success ? [parsed.data] : [];
  });
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
