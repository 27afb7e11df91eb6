/**
 * Message search: parses the query, resolves `from:` and `in:` to ids, and asks storage
 * for the matches the caller may read. Nothing is indexed here: the database keeps its
 * index current on its own (migration 006).
 */

import type { MessageView } from "@private-chat/protocol/chat";
import type { SearchQuery, SearchResponse } from "@private-chat/protocol/search";
import { loadMembership } from "../conversations/service.js";
import { presentMessages } from "../messages/present.js";
import type { SearchHit } from "../storage/search.js";
import type { Store } from "../storage/store.js";
import type { User } from "../storage/users.js";
import { decodeCursor, encodeCursor } from "./cursor.js";
import { parseQuery } from "./query.js";

export class SearchService {
  constructor(private readonly store: Store) {}

  async search(user: User, input: SearchQuery): Promise<SearchResponse> {
    const query = parseQuery(input.q);
    const before = input.before === undefined ? undefined : decodeCursor(input.before);
    let conversationIds: string[] | undefined;
    if (input.conversation_id !== undefined) {
      // A conversation the caller is not in is not_found, as on every other endpoint.
      await loadMembership(this.store, input.conversation_id, user.id);
      conversationIds = [input.conversation_id];
    }
    if (query.in !== undefined) {
      const named = await this.conversationsNamed(user.id, query.in);
      conversationIds = conversationIds
        ? conversationIds.filter((id) => named.includes(id))
        : named;
    }
    let senderId: string | undefined;
    if (query.from !== undefined) {
      const sender = await this.store.users.byUsername(query.from);
      if (!sender) return { results: [] };
      senderId = sender.id;
    }
    // One more than asked tells whether another page follows.
    const hits = await this.store.search.search({
      userId: user.id,
      terms: query.terms,
      senderId,
      conversationIds,
      before,
      limit: input.limit + 1,
    });
    const page = hits.slice(0, input.limit);
    const response: SearchResponse = { results: await this.present(page) };
    const last = page.at(-1);
    if (hits.length > input.limit && last) {
      response.next_before = encodeCursor({ rank: last.rank, id: last.message.id });
    }
    return response;
  }

  private async present(hits: SearchHit[]): Promise<SearchResponse["results"]> {
    // Through the same presenter as history, so a result shows its files and reactions.
    const messages = await presentMessages(
      this.store,
      hits.map((hit) => hit.message),
    );
    return hits.map((hit, i) => ({
      message: messages[i] as MessageView,
      conversation_id: hit.message.conversation_id,
      snippet: hit.snippet.text,
      highlights: hit.snippet.highlights,
      rank: hit.rank,
    }));
  }

  /**
   * The caller's conversations that `name` names: by id, by group title, or by the
   * username of the other person in a direct conversation (all ignoring case).
   */
  private async conversationsNamed(userId: string, name: string): Promise<string[]> {
    const wanted = name.toLowerCase();
    const memberships = await this.store.conversations.membershipsOf(userId);
    const named = new Set<string>();
    const directIds: string[] = [];
    for (const { conversation } of memberships) {
      if (conversation.id === name || conversation.title?.toLowerCase() === wanted) {
        named.add(conversation.id);
      }
      if (conversation.type === "direct") directIds.push(conversation.id);
    }
    const partners = (await this.store.conversations.membersOf(directIds)).filter(
      (member) => member.user_id !== userId,
    );
    const users = await this.store.users.byIds(partners.map((p) => p.user_id));
    for (const partner of partners) {
      if (users.get(partner.user_id)?.username.toLowerCase() === wanted) {
        named.add(partner.conversation_id);
      }
    }
    return [...named];
  }
}
