/**
 * Nodes of two versions share one Redis channel during a rolling upgrade: what the newer
 * one publishes (a message kind, an event type or fields the older one does not know)
 * must neither fail nor stop the older one's reading, and an event's facts pass on as
 * they were written.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { it } from "node:test";
import { Redis } from "ioredis";
import { eventFrame } from "../../src/realtime/frames.js";
import type { RealtimeMessage } from "../../src/realtime/pubsub.js";
import { RedisPubSub } from "../../src/realtime/redis-pubsub.js";
import { TEST_REDIS_URL } from "../helpers/env.js";

it("an older node reads past what a newer node adds on the channel", async () => {
  const keyPrefix = `test:${randomBytes(5).toString("hex")}:`;
  const errors: unknown[] = [];
  const older = new RedisPubSub({
    url: TEST_REDIS_URL,
    keyPrefix,
    nodeId: "older",
    onError: (err) => errors.push(err),
  });
  const raw = new Redis(TEST_REDIS_URL);
  const received: RealtimeMessage[] = [];
  older.subscribe((message) => received.push(message));
  try {
    await older.connect();
    const channel = `${keyPrefix}realtime`;
    // A kind this version does not know, with fields it does not know either.
    await raw.publish(
      channel,
      JSON.stringify({ node: "newer", message: { kind: "poll.vote", added_later: 1 } }),
    );
    // An event of a type from the future, with an extra field, as the newer node writes it.
    const logged = JSON.stringify({
      type: "poll.created",
      conversation_id: "c1",
      poll: { id: "p1", question: "?" },
    });
    await raw.publish(
      channel,
      [
        JSON.stringify({
          node: "newer",
          message: {
            kind: "events",
            events: [
              {
                cursor: 41,
                conversationId: "c1",
                userId: null,
                type: "poll.created",
                priority: "high",
              },
            ],
          },
        }),
        logged,
      ].join("\n"),
    );
    await raw.publish(
      channel,
      JSON.stringify({
        node: "newer",
        message: { kind: "typing", conversationId: "c1", userId: "u1", device: "phone" },
      }),
    );
    const deadline = Date.now() + 10_000;
    while (received.length < 3 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(errors, []);
    assert.deepEqual(
      received.map((m) => m.kind),
      ["poll.vote", "events", "typing"],
    );
    const events = received[1] as Extract<RealtimeMessage, { kind: "events" }>;
    const event = events.events[0];
    assert.ok(event);
    // The frame the older node sends its sockets carries the event as written.
    assert.equal(eventFrame(event), `{"cursor":41,${logged.slice(1)}`);
  } finally {
    raw.disconnect();
    await older.close();
  }
});
