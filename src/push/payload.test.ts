import assert from "node:assert/strict";
import { it } from "node:test";
import { MAX_PUSH_PAYLOAD_BYTES, pushPayload } from "@private-chat/protocol/push";
import { messagePayload, readPayload, topicFor } from "./payload.js";

const facts = {
  conversationId: "c0ffee00-0000-4000-8000-000000000001",
  title: "Lunch club",
  senderName: "Alice",
  messageId: "m1",
  seq: 7,
  text: "hello",
};

it("carries the message facts, the text cut to 200 characters", () => {
  const long = `${"😀".repeat(150)}${"x".repeat(100)}`;
  const payload = JSON.parse(messagePayload({ ...facts, text: long }, true));
  assert.deepEqual(payload, {
    type: "message",
    conversation_id: facts.conversationId,
    title: "Lunch club",
    sender_name: "Alice",
    message_id: "m1",
    seq: 7,
    text: [...long].slice(0, 200).join(""),
  });
  assert.ok(pushPayload.safeParse(payload).success);
});

it("leaves out text and names without content", () => {
  const payload = JSON.parse(messagePayload(facts, false));
  assert.deepEqual(payload, {
    type: "message",
    conversation_id: facts.conversationId,
    title: "New message",
    message_id: "m1",
    seq: 7,
  });
});

it("never passes 3 KB, whatever the text, title and name hold", () => {
  for (const unit of ["\u0001", "😀", '"', "é", "\\"]) {
    const big = unit.repeat(5000);
    const json = messagePayload({ ...facts, text: big, title: big, senderName: big }, true);
    assert.ok(
      Buffer.byteLength(json) <= MAX_PUSH_PAYLOAD_BYTES,
      `${unit}: ${Buffer.byteLength(json)}`,
    );
    assert.ok(pushPayload.safeParse(JSON.parse(json)).success);
  }
});

it("gives each conversation one stable topic of at most 32 URL-safe characters", () => {
  const topic = topicFor(facts.conversationId);
  assert.match(topic, /^[A-Za-z0-9_-]{32}$/);
  assert.equal(topicFor(facts.conversationId), topic);
  assert.notEqual(topicFor("another"), topic);
  assert.deepEqual(JSON.parse(readPayload("c", 3)), { type: "read", conversation_id: "c", seq: 3 });
});
