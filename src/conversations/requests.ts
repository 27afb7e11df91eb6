/**
 * Answering a message request: the person asked accepts it (presence, typing and
 * receipts flow from then on) or declines it (nothing of it reaches them).
 */
import { AppError } from "../errors.js";
import { writeWithEvents } from "../events/log.js";
import type { Repositories } from "../storage/store.js";
import type { User } from "../storage/users.js";
import { loadMembership } from "./membership.js";
import type { ConversationServiceDeps } from "./service.js";

/** Accepts a message request (a declined one too); the one who asked may not. */
export async function acceptRequest(
  deps: ConversationServiceDeps,
  user: User,
  conversationId: string,
): Promise<void> {
  await writeWithEvents(deps.store, deps.bus, async (tx, log) => {
    await loadMembership(tx, conversationId, user.id);
    await requireRecipient(tx, conversationId, user, "accept");
    await tx.requests.remove(conversationId);
    await log.append({
      type: "request.accepted",
      conversation_id: conversationId,
      user_id: user.id,
    });
  });
}

/** Declines a message request; the one who asked sees no difference. */
export async function declineRequest(
  deps: ConversationServiceDeps,
  user: User,
  conversationId: string,
): Promise<void> {
  const repos = deps.store;
  const { conversation } = await loadMembership(repos, conversationId, user.id);
  const request = await requireRecipient(repos, conversationId, user, "decline");
  if (request.state !== "declined") {
    await repos.requests.setState(conversationId, "declined", Date.now());
    deps.bus.emit("relations.changed", {
      type: "request",
      request: {
        conversationId,
        creatorId: conversation.created_by ?? "",
        recipientId: user.id,
        state: "declined",
      },
    });
  }
}

async function requireRecipient(
  tx: Repositories,
  conversationId: string,
  user: User,
  action: string,
) {
  const request = await tx.requests.of(conversationId);
  if (!request) throw new AppError("conflict", "this conversation is no message request");
  if (request.recipient_id !== user.id)
    throw new AppError("forbidden", `only the person asked can ${action} a message request`);
  return request;
}
