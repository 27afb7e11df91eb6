/**
 * The first step of every command that acts on one conversation: the saved session, its
 * REST client, and the conversation the command line names (resolved as in resolve.ts).
 */
import type { ApiClient, ConversationView } from "@private-chat/sdk";
import type { Credentials } from "./credentials.js";
import { requireCredentials } from "./current-user.js";
import { resolveConversation } from "./resolve.js";
import { apiFor } from "./session.js";

export interface NamedConversation {
  credentials: Credentials;
  api: ApiClient;
  conversation: ConversationView;
}

/** `encrypted`: "@name" names the encrypted direct chat, not the plain one (resolve.ts). */
export async function namedConversation(
  query: string | undefined,
  encrypted = false,
): Promise<NamedConversation> {
  const credentials = await requireCredentials();
  const api = apiFor(credentials);
  const conversations = await api.conversations();
  return {
    credentials,
    api,
    conversation: resolveConversation(conversations, query ?? "", credentials.user_id, encrypted),
  };
}
