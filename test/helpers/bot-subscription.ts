/**
 * A bot of `owner`'s in a new group with `member`, subscribed to `events` at `url`: the
 * start of every test of bots' outgoing events.
 */
import assert from "node:assert/strict";
import { addMembers, createGroup } from "./chat.js";
import type { TestUser } from "./factories.js";
import { client } from "./http.js";

export interface SubscribedBot {
  botId: string;
  botUsername: string;
  /** The bot's own token. */
  botToken: string;
  groupId: string;
  subscriptionId: string;
  secret: string;
}

let made = 0;

export async function subscribedBot(
  baseUrl: string,
  owner: TestUser,
  member: TestUser,
  url: string,
  events: string[] = ["message.new"],
): Promise<SubscribedBot> {
  const api = client(baseUrl);
  made += 1;
  const username = `hookbot${made}_${Date.now().toString(36)}`;
  const bot = await api.post("/api/v1/bots", { username }, { token: owner.token });
  assert.equal(bot.status, 201, bot.text);
  const botId = bot.body.bot.id as string;
  const group = await createGroup(baseUrl, owner, [member]);
  await addMembers(baseUrl, owner, group.id, [{ id: botId, username, password: "", token: "" }]);
  const res = await api.post(
    `/api/v1/bots/${botId}/subscriptions`,
    { url, events },
    { token: owner.token },
  );
  assert.equal(res.status, 201, res.text);
  return {
    botId,
    botUsername: username,
    botToken: bot.body.token as string,
    groupId: group.id,
    subscriptionId: res.body.subscription.id as string,
    secret: res.body.secret as string,
  };
}
