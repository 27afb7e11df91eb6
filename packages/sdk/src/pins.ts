/**
 * Pinned messages over REST: pin, unpin, a conversation's pins, and the group setting
 * that lets every member pin. ApiClient inherits these calls.
 */

import {
  type ConversationView,
  conversationView,
  type PinnedMessageView,
  pinnedMessageView,
  pinsResponse,
} from "@private-chat/protocol/chat";
import { RestTransport } from "./transport.js";

export class PinCalls extends RestTransport {
  /** Pins a message; one already pinned answers its existing pin. */
  pinMessage(id: string): Promise<PinnedMessageView> {
    return this.request(
      "POST",
      `/api/v1/messages/${encodeURIComponent(id)}/pin`,
      pinnedMessageView,
    );
  }

  /** Unpins a message; one not pinned is no error. */
  async unpinMessage(id: string): Promise<void> {
    await this.call("DELETE", `/api/v1/messages/${encodeURIComponent(id)}/pin`);
  }

  /** The conversation's pinned messages the caller may read, the most recently pinned first. */
  async pins(conversationId: string): Promise<PinnedMessageView[]> {
    return (
      await this.request(
        "GET",
        `/api/v1/conversations/${encodeURIComponent(conversationId)}/pins`,
        pinsResponse,
      )
    ).messages;
  }

  /** Lets every member of a group pin (true), or only the owner and admins (false). */
  setMembersCanPin(conversationId: string, allowed: boolean): Promise<ConversationView> {
    return this.request(
      "PATCH",
      `/api/v1/conversations/${encodeURIComponent(conversationId)}`,
      conversationView,
      { members_can_pin: allowed },
    );
  }
}

/**
 * Whether `role` may pin in a conversation: both people of a direct one; in a group the
 * owner and admins, or everyone when the group allows it. The server decides; clients
 * use this to offer the action only where it would succeed.
 */
export function mayPin(
  conversation: Pick<ConversationView, "type" | "members_can_pin" | "role">,
): boolean {
  return (
    conversation.type === "direct" ||
    conversation.role !== "member" ||
    conversation.members_can_pin === true
  );
}
