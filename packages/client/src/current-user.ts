/**
 * Who a command acts as: the person of CHAT_TOKEN when it is set (a script's way to run
 * without a saved session; the server URL comes from CHAT_SERVER or the saved session),
 * else the saved session. Either is sent as `Authorization: Bearer`.
 */
import { ApiClient } from "@private-chat/sdk";
import { type Credentials, loadCredentials, requireSavedCredentials } from "./credentials.js";
import { CliError, EXIT_NOT_LOGGED_IN, isSessionGone } from "./errors.js";

export async function requireCredentials(
  env: NodeJS.ProcessEnv = process.env,
): Promise<Credentials> {
  const token = env.CHAT_TOKEN?.trim();
  if (!token) return requireSavedCredentials();
  const server = env.CHAT_SERVER?.trim() || loadCredentials()?.server;
  if (!server) {
    throw new CliError(
      "not_logged_in",
      "CHAT_TOKEN is set but not CHAT_SERVER; set it to the chat server's URL",
      EXIT_NOT_LOGGED_IN,
    );
  }
  try {
    const user = await new ApiClient({ baseUrl: server, token }).me();
    return { server, token, username: user.username, user_id: user.id };
  } catch (err) {
    if (!isSessionGone(err)) throw err;
    throw new CliError(
      err.code,
      `the server refused CHAT_TOKEN (${err.message}); set a valid token`,
      EXIT_NOT_LOGGED_IN,
    );
  }
}
