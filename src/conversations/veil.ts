/**
 * What a caller may see of the others in their conversations: nothing of the presence of
 * a person on either side of a block, and, in a message request, neither the other's
 * presence nor how far they have read.
 */
import type { RequestState } from "@private-chat/protocol/chat";
import type { Member } from "../storage/conversations.js";
import type { MessageRequest } from "../storage/requests.js";
import type { Repositories } from "../storage/store.js";
import type { Veil } from "./present.js";

export interface ViewerRelations {
  requests: Map<string, MessageRequest>;
  /** People the viewer blocked or was blocked by. */
  blocked: Set<string>;
}

export async function viewerRelations(
  repos: Repositories,
  viewerId: string,
  conversationIds: string[],
): Promise<ViewerRelations> {
  const [requests, blocked] = await Promise.all([
    repos.requests.among(conversationIds),
    repos.blocks.involving(viewerId),
  ]);
  return { requests, blocked };
}

/** The request state as `viewerId` sees it: pending or declined for its recipient, else sent. */
export function requestStateFor(
  request: MessageRequest | undefined,
  viewerId: string,
): RequestState | undefined {
  if (!request) return undefined;
  return request.recipient_id === viewerId ? request.state : "sent";
}

export function veilFor(
  viewerId: string,
  members: Member[],
  request: MessageRequest | undefined,
  blocked: Set<string>,
): Veil {
  const others = members.map((m) => m.user_id).filter((id) => id !== viewerId);
  const presence = new Set(others.filter((id) => blocked.has(id)));
  const reads = new Set<string>();
  if (request) {
    for (const id of others) {
      presence.add(id);
      reads.add(id);
    }
  }
  return { presence, reads };
}
