/**
 * Naming conversations the way people think of them: a group by its title, a direct chat
 * by the other person's username, anything by its id or an id prefix. Resolution refuses
 * to guess: several matches is an error that lists them.
 */
import type { ConversationView } from "@private-chat/sdk";
import { CliError } from "./errors.js";
import { safeInline } from "./sanitize.js";

export function shortId(id: string): string {
  return id.slice(0, 8);
}

/** How many of a message id's last characters name it (ids begin with their time). */
export const TAG_LENGTH = 8;

/** A message's tag: the end of its id, which `--thread` takes. */
export function messageTag(id: string): string {
  return id.slice(-TAG_LENGTH);
}

/** The other member of a direct chat (or ourselves, in a chat with ourselves). */
export function directPeer(conversation: ConversationView, meId: string): string | undefined {
  const other = conversation.members.find((m) => m.user.id !== meId) ?? conversation.members[0];
  return other?.user.username;
}

/** A display name: the title, the other person's @username, or the member list. */
export function conversationName(conversation: ConversationView, meId: string): string {
  if (conversation.type === "direct") return `@${directPeer(conversation, meId) ?? "?"}`;
  if (conversation.title) return conversation.title;
  const others = conversation.members.filter((m) => m.user.id !== meId).map((m) => m.user.username);
  return others.length > 0 ? others.join(", ") : "(untitled group)";
}

function describe(conversation: ConversationView, meId: string): string {
  const name = safeInline(conversationName(conversation, meId));
  const label = conversation.type === "direct" ? `direct ${name}` : `group "${name}"`;
  return `${shortId(conversation.id)} (${label})`;
}

function matches(conversation: ConversationView, query: string, meId: string): boolean {
  const q = query.toLowerCase();
  if (conversation.id.toLowerCase().startsWith(q)) return true;
  if (conversation.type === "direct") {
    const peer = directPeer(conversation, meId)?.toLowerCase();
    return peer !== undefined && (peer === q || `@${peer}` === q);
  }
  return conversation.title?.toLowerCase() === q;
}

/**
 * The conversation `query` names. A person may have a plain and an end-to-end encrypted
 * direct chat with someone: `@name` names the plain one then, unless `encrypted` asks for
 * the other, which a plain one never stands in for (docs/E2EE.md).
 */
export function resolveConversation(
  conversations: ConversationView[],
  query: string,
  meId: string,
  encrypted = false,
): ConversationView {
  const wanted = query.trim();
  if (wanted === "") throw new CliError("usage", "the conversation name is empty");
  const exact = conversations.find((c) => c.id === wanted);
  if (exact) return exact;
  // "@name" is explicitly a person: only direct chats qualify.
  const pool = wanted.startsWith("@")
    ? conversations.filter((c) => c.type === "direct")
    : conversations;
  let found = pool.filter((c) => matches(c, wanted, meId));
  const sameKind = found.filter((c) => c.type !== "direct" || (c.encrypted === true) === encrypted);
  // Asked for encrypted, a plain direct chat never stands in; otherwise either does.
  if (encrypted || (found.length > 1 && sameKind.length >= 1)) found = sameKind;
  if (found.length > 1) {
    // A title or name spelled exactly as given beats one that only matches ignoring case.
    // Only what the conversation is named by counts: a group's title, a direct chat's peer
    // (never a group member's username).
    const exactCase = found.filter((c) => {
      if (c.type !== "direct") return c.title === wanted;
      const peer = directPeer(c, meId);
      return peer !== undefined && (peer === wanted || `@${peer}` === wanted);
    });
    if (exactCase.length === 1) found = exactCase;
  }
  const [only] = found;
  if (only && found.length === 1) return only;
  const shown = safeInline(wanted);
  if (found.length === 0) {
    throw new CliError(
      "not_found",
      `no conversation matches "${shown}"; run chat-client conversations to list them`,
    );
  }
  const list = found.map((c) => describe(c, meId)).join(", ");
  throw new CliError(
    "ambiguous",
    `"${shown}" matches ${found.length} conversations: ${list}; use an id prefix instead`,
  );
}
