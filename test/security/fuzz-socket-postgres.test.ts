/**
 * Socket frames carrying U+0000 on PostgreSQL, whose text cannot hold it: each must be
 * answered with a 4xx-class error frame (or an ack), never internal_error.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startTestServer } from "../helpers/server.js";
import { connect } from "../helpers/socket.js";
import { type Fixture, setUpFixture } from "./fuzz-socket-fixture.js";
import type { Json } from "./hostile.js";

describe("security: socket frames with U+0000 (PostgreSQL)", () => {
  // The suite's PostgreSQL is always there (the test command starts it): no skipping.
  let f: Fixture;

  before(async () => {
    const server = await startTestServer(
      { rate_limit: { enabled: false } },
      { database: "postgres" },
    );
    f = await setUpFixture(server);
  });

  after(async () => {
    await f?.server.stop();
  });

  it("answers a frame carrying U+0000 with a 4xx-class error frame, not internal_error (PostgreSQL)", async () => {
    const socket = await connect(f.server.url, f.alice.token);
    const probes: [string, Json][] = [
      ["read, conversation_id", { type: "read", id: 1, conversation_id: "\u0000", seq: 1 }],
      [
        "message.send, conversation_id",
        { type: "message.send", id: 2, conversation_id: "a\u0000", body: "x" },
      ],
      [
        "message.send, body",
        { type: "message.send", id: 3, conversation_id: f.group, body: "x\u0000" },
      ],
      [
        "message.send, client_id",
        { type: "message.send", id: 4, conversation_id: f.group, body: "x", client_id: "\u0000" },
      ],
      [
        "message.send, reply_to",
        { type: "message.send", id: 5, conversation_id: f.group, body: "x", reply_to: "\u0000" },
      ],
    ];
    const internal: string[] = [];
    for (const [name, frame] of probes) {
      socket.send(frame);
      const answer = await socket.next(
        (x) => x.id === frame.id && (x.type === "error" || x.type === "ack"),
      );
      if (answer.type === "error" && answer.code === "internal_error") internal.push(name);
    }
    await socket.close();
    assert.deepEqual(
      internal,
      [],
      `NUL reached PostgreSQL from a socket frame:\n${internal.join("\n")}`,
    );
  });
});
