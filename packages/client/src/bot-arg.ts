/**
 * Naming one of the caller's bots on the command line: by its username, with or without
 * @, or by its id, as `bot list` shows them. A bot's own token (CHAT_TOKEN) cannot list
 * bots; it names itself.
 */
import { type ApiClient, ApiError, type UserView } from "@private-chat/sdk";
import { usageError } from "./errors.js";

export async function findBot(api: ApiClient, ref: string): Promise<UserView> {
  const name = ref.replace(/^@/, "").toLowerCase();
  const named = (bot: UserView) => bot.id === ref || bot.username.toLowerCase() === name;
  let bots: UserView[];
  try {
    bots = (await api.integrations.bots()).map((b) => b.bot);
  } catch (err) {
    if (!(err instanceof ApiError && err.code === "insufficient_scope")) throw err;
    const me = await api.me();
    if (me.is_bot && named(me)) return me;
    throw err;
  }
  const found = bots.find(named);
  if (!found) throw usageError(`you have no bot "${ref}" (chat-client bot list shows yours)`);
  return found;
}
