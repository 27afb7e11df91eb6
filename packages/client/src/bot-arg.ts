/**
 * Naming one of the caller's bots on the command line: by its username, with or without
 * @, or by its id, as `bot list` shows them.
 */
import type { ApiClient, UserView } from "@private-chat/sdk";
import { usageError } from "./errors.js";

export async function findBot(api: ApiClient, ref: string): Promise<UserView> {
  const name = ref.replace(/^@/, "").toLowerCase();
  const found = (await api.integrations.bots()).find(
    (b) => b.bot.id === ref || b.bot.username.toLowerCase() === name,
  );
  if (!found) throw usageError(`you have no bot "${ref}" (chat-client bot list shows yours)`);
  return found.bot;
}
