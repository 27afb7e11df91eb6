/**
 * Message requests and blocking as a client sees them. A direct conversation opened by
 * someone who shared no conversation with you arrives as a request (`pending`) until you
 * accept it; the opener sees it as `sent`. A person you block still has their messages in
 * the groups you share delivered by the server: the client hides them (the seqs stay
 * gapless, so read positions and history paging work unchanged).
 */
import type {
  ConversationSummary,
  ConversationView,
  MessageView,
  RequestState,
} from "@private-chat/protocol/chat";

export type { RequestState };

/**
 * The request state of a conversation announced by `conversation.created`: its creator
 * sent the request, everyone else received it. Undefined when it is no request.
 */
export function createdRequestState(
  summary: ConversationSummary,
  createdBy: string,
  me: string | undefined,
): RequestState | undefined {
  if (summary.request !== true) return undefined;
  return createdBy === me ? "sent" : "pending";
}

/** The conversation once its request was accepted (`request.accepted`): no request left. */
export function withoutRequest<C extends { request?: RequestState | undefined }>(conv: C): C {
  if (conv.request === undefined) return conv;
  const { request: _gone, ...rest } = conv;
  return rest as C;
}

/**
 * Where a conversation belongs in a list: requests asking you apart from the normal
 * ones, declined ones out of sight. A request you sent waits in the normal list.
 */
export function listSection(
  conv: Pick<ConversationView, "request">,
): "main" | "requests" | "declined" {
  if (conv.request === "pending") return "requests";
  if (conv.request === "declined") return "declined";
  return "main";
}

/** Whether presence, typing and read receipts flow in this conversation. */
export function sharesPresence(conv: Pick<ConversationView, "request">): boolean {
  return conv.request === undefined;
}

/** A run of visible messages, or a run of hidden ones from people you blocked. */
export type TimelineItem =
  | { kind: "message"; message: MessageView }
  | { kind: "hidden"; messages: MessageView[] };

/**
 * Splits a group's messages into what to show and runs of messages from blocked people
 * (each run shown as one collapsed line). Direct conversations are left alone: a blocked
 * person cannot send there, and what they sent before stays as it was.
 */
export function hideBlocked(
  messages: readonly MessageView[],
  blocked: ReadonlySet<string>,
  type: ConversationView["type"],
): TimelineItem[] {
  const items: TimelineItem[] = [];
  for (const message of messages) {
    if (type === "group" && blocked.has(message.sender_id)) {
      const last = items.at(-1);
      if (last?.kind === "hidden") last.messages.push(message);
      else items.push({ kind: "hidden", messages: [message] });
    } else {
      items.push({ kind: "message", message });
    }
  }
  return items;
}

/** Whether a message is one a client hides for its user (a blocked person's, in a group). */
export function isHiddenMessage(
  message: Pick<MessageView, "sender_id">,
  blocked: ReadonlySet<string>,
  type: ConversationView["type"],
): boolean {
  return type === "group" && blocked.has(message.sender_id);
}
