import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ConversationSummary, MessageView } from "@private-chat/protocol/chat";
import {
  createdRequestState,
  hideBlocked,
  isHiddenMessage,
  listSection,
  sharesPresence,
  withoutRequest,
} from "./requests.js";

const summary = (request?: true): ConversationSummary => ({
  id: "c1",
  type: "direct",
  title: null,
  created_at: 1,
  members: [],
  ...(request ? { request } : {}),
});

const message = (seq: number, sender_id: string): MessageView =>
  ({ id: `m${seq}`, seq, sender_id, conversation_id: "g", body: `#${seq}` }) as MessageView;

describe("createdRequestState", () => {
  it("tells the creator of a request it was sent and the others it is pending", () => {
    assert.equal(createdRequestState(summary(true), "alice", "alice"), "sent");
    assert.equal(createdRequestState(summary(true), "alice", "bob"), "pending");
  });

  it("is undefined for a conversation that is no request", () => {
    assert.equal(createdRequestState(summary(), "alice", "bob"), undefined);
  });
});

describe("withoutRequest", () => {
  it("drops the request state and keeps the rest", () => {
    const conv = { id: "c1", request: "sent" as const };
    assert.deepEqual(withoutRequest(conv), { id: "c1" });
    assert.equal(conv.request, "sent", "input left unchanged");
  });

  it("returns the same object when there is no request (idempotent)", () => {
    const conv: { id: string; request?: "sent" } = { id: "c1" };
    assert.equal(withoutRequest(conv), conv);
  });
});

describe("listSection and sharesPresence", () => {
  it("puts pending requests apart, declined out of sight, sent ones in the list", () => {
    assert.equal(listSection({ request: "pending" }), "requests");
    assert.equal(listSection({ request: "declined" }), "declined");
    assert.equal(listSection({ request: "sent" }), "main");
    assert.equal(listSection({}), "main");
  });

  it("lets presence flow only once no request is left", () => {
    assert.equal(sharesPresence({}), true);
    for (const request of ["pending", "declined", "sent"] as const)
      assert.equal(sharesPresence({ request }), false);
  });
});

describe("hideBlocked", () => {
  const blocked = new Set(["mallory"]);
  const list = [
    message(1, "alice"),
    message(2, "mallory"),
    message(3, "mallory"),
    message(4, "alice"),
    message(5, "mallory"),
  ];

  it("collapses runs of a blocked person's group messages", () => {
    const items = hideBlocked(list, blocked, "group");
    assert.deepEqual(
      items.map((i) => (i.kind === "message" ? i.message.seq : i.messages.map((m) => m.seq))),
      [1, [2, 3], 4, [5]],
    );
  });

  it("leaves direct conversations and an empty block list alone", () => {
    assert.equal(hideBlocked(list, blocked, "direct").length, 5);
    assert.ok(hideBlocked(list, new Set(), "group").every((i) => i.kind === "message"));
  });

  it("marks single messages the same way", () => {
    assert.equal(isHiddenMessage({ sender_id: "mallory" }, blocked, "group"), true);
    assert.equal(isHiddenMessage({ sender_id: "mallory" }, blocked, "direct"), false);
    assert.equal(isHiddenMessage({ sender_id: "alice" }, blocked, "group"), false);
  });
});
