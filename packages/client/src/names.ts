/**
 * Usernames for user ids. Messages carry only sender_id; most senders are members of the
 * conversation, whose names we already have, and the rest (people who have left) are
 * looked up once and remembered.
 */
import type { ApiClient, ConversationView, UserView } from "@private-chat/sdk";

export class NameBook {
  private readonly names = new Map<string, string>();
  private readonly lookups = new Map<string, Promise<string>>();

  constructor(private readonly api: ApiClient) {}

  add(user: Pick<UserView, "id" | "username">): void {
    this.names.set(user.id, user.username);
  }

  addConversation(conversation: ConversationView): void {
    for (const member of conversation.members) this.add(member.user);
  }

  known(id: string): string | undefined {
    return this.names.get(id);
  }

  /** The username, or the id's first 8 characters when the user cannot be looked up. */
  async name(id: string): Promise<string> {
    const known = this.names.get(id);
    if (known !== undefined) return known;
    let lookup = this.lookups.get(id);
    if (!lookup) {
      lookup = this.api.user(id).then(
        (user) => {
          this.add(user);
          return user.username;
        },
        () => id.slice(0, 8),
      );
      this.lookups.set(id, lookup);
    }
    return lookup;
  }
}
