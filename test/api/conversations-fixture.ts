/**
 * The server, request helpers and member lookups the conversations API suites share: one
 * server per suite.
 */
import { after, before } from "node:test";
import type { ConversationView, MemberView } from "../../src/protocol/chat.js";
import { createUser, type TestUser } from "../helpers/factories.js";
import { client } from "../helpers/http.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

export const V1 = "/api/v1";

export function roleOf(conversation: ConversationView, userId: string): string | undefined {
  return conversation.members.find((m: MemberView) => m.user.id === userId)?.role;
}

export function memberIds(conversation: ConversationView): string[] {
  return conversation.members.map((m) => m.user.id).sort();
}

export function conversationsApi() {
  let server: TestServer | undefined;
  let api: ReturnType<typeof client> | undefined;
  const started = () => {
    if (!server || !api) throw new Error("the server is not up yet");
    return { server, api };
  };
  before(async () => {
    server = await startTestServer({ rate_limit: { enabled: false } });
    api = client(server.url);
  });
  after(() => server?.stop());

  const as = (user: TestUser) => ({ token: user.token });
  const users = (n: number) =>
    Promise.all(Array.from({ length: n }, () => createUser(started().server.url)));
  return { started, as, users };
}
