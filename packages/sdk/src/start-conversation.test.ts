import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ApiClient } from "./rest.js";

const conversation = {
  id: "c1",
  type: "direct",
  title: null,
  created_at: 1,
  last_seq: 0,
  unread_count: 0,
  last_message: null,
  last_activity_at: 1,
  role: "owner",
  members: [],
};

function clientAnswering(status: number): { api: ApiClient; calls: Request[] } {
  const calls: Request[] = [];
  const fetch = async (input: string | URL | Request, init?: RequestInit) => {
    calls.push(new Request(input, init));
    return new Response(JSON.stringify(conversation), {
      status,
      headers: { "content-type": "application/json" },
    });
  };
  return { api: new ApiClient({ baseUrl: "http://chat.test", token: "t", fetch }), calls };
}

describe("startConversation", () => {
  it("tells a new conversation (201) from one that existed (200)", async () => {
    const created = clientAnswering(201);
    const answer = await created.api.startConversation({ type: "direct", member_ids: ["u2"] });
    assert.equal(answer.created, true);
    assert.equal(answer.conversation.id, "c1");
    assert.equal(created.calls[0]?.method, "POST");
    assert.equal(created.calls[0]?.headers.get("authorization"), "Bearer t");
    const existing = clientAnswering(200);
    const again = await existing.api.startConversation({ type: "direct", member_ids: ["u2"] });
    assert.equal(again.created, false);
  });
});
