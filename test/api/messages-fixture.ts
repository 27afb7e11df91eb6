/**
 * The server and request helpers the messages API suites share: one server per suite
 * and engine.
 */
import assert from "node:assert/strict";
import type { ConversationView, MessageView } from "@private-chat/protocol/chat";
import type { ConfigOverrides } from "../../src/config/schema.js";
import { apiSuite } from "../helpers/api-suite.js";
import type { EngineRun } from "../helpers/engines.js";
import type { TestUser } from "../helpers/factories.js";

export const V1 = "/api/v1";

export function messagesApi(run: EngineRun, overrides: ConfigOverrides = {}) {
  const { started, as, users } = apiSuite(run, overrides);
  const send = (user: TestUser, conversationId: string, body: unknown) =>
    started().api.post(`${V1}/conversations/${conversationId}/messages`, body, as(user));
  const history = async (user: TestUser, conversationId: string, query = "") => {
    const res = await started().api.get<{ messages: MessageView[] }>(
      `${V1}/conversations/${conversationId}/messages${query}`,
      as(user),
    );
    assert.equal(res.status, 200, res.text);
    return res.body.messages;
  };
  const seqs = (messages: MessageView[]) => messages.map((m) => m.seq);
  const range = (from: number, to: number) =>
    Array.from({ length: to - from + 1 }, (_, i) => from + i);
  const conversation = async (user: TestUser, id: string) => {
    const res = await started().api.get<ConversationView>(`${V1}/conversations/${id}`, as(user));
    assert.equal(res.status, 200, res.text);
    return res.body;
  };
  return { started, as, users, send, history, seqs, range, conversation };
}
