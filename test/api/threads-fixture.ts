/**
 * What the threads API suites share: the messages API's server and helpers, plus replies,
 * thread pages, the followed list and single messages, read as a given user.
 */
import assert from "node:assert/strict";
import type { MessageView, ThreadResponse, ThreadsResponse } from "@private-chat/protocol/chat";
import { sendMessage } from "../helpers/chat.js";
import type { EngineRun } from "../helpers/engines.js";
import type { TestUser } from "../helpers/factories.js";
import { messagesApi, V1 } from "./messages-fixture.js";

export function threadsApi(run: EngineRun) {
  const base = messagesApi(run);
  const { as } = base;
  const server = () => base.started().server;
  const api = () => base.started().api;
  const reply = (
    user: TestUser,
    conversationId: string,
    rootId: string,
    body: string,
    also = false,
  ) =>
    sendMessage(server().url, user, conversationId, body, {
      thread_id: rootId,
      ...(also ? { also_to_conversation: true } : {}),
    });
  const threadPage = async (user: TestUser, messageId: string, query = "") => {
    const res = await api().get<ThreadResponse>(
      `${V1}/messages/${messageId}/thread${query}`,
      as(user),
    );
    assert.equal(res.status, 200, res.text);
    return res.body;
  };
  const thread = async (user: TestUser, messageId: string, query = "") =>
    (await threadPage(user, messageId, query)).messages;
  const followed = async (user: TestUser, query = "") => {
    const res = await api().get<ThreadsResponse>(`${V1}/threads${query}`, as(user));
    assert.equal(res.status, 200, res.text);
    return res.body;
  };
  const one = async (user: TestUser, messageId: string) => {
    const res = await api().get<MessageView>(`${V1}/messages/${messageId}`, as(user));
    assert.equal(res.status, 200, res.text);
    return res.body;
  };
  const bodies = (list: MessageView[]) => list.map((m) => m.body);

  return { ...base, reply, threadPage, thread, followed, one, bodies };
}
