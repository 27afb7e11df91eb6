/**
 * people.ts and the feed's hiding: request marks in listings, the block list lookup, and
 * a group's messages from blocked people shown as "hidden" lines (text mode only).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ApiClient, BlockView, ConversationView, MessageView } from "@private-chat/sdk";
import { CliError } from "./errors.js";
import { ConversationFeed } from "./feed.js";
import { NameBook } from "./names.js";
import { findBlocked, hiddenLine, requestMark, requestsOf } from "./people.js";
import type { Style } from "./style.js";

const plain = (text: string) => text;
const plainStyle: Style = { dim: plain, bold: plain, code: plain, name: plain, error: plain };

const conv = (id: string, request?: ConversationView["request"]) =>
  ({
    id,
    type: "direct",
    members: [],
    ...(request ? { request } : {}),
  }) as unknown as ConversationView;

describe("requests in listings", () => {
  it("marks each request state and leaves normal conversations unmarked", () => {
    assert.equal(requestMark(conv("a", "pending")), "[request]");
    assert.equal(requestMark(conv("a", "sent")), "[request sent]");
    assert.equal(requestMark(conv("a", "declined")), "[declined]");
    assert.equal(requestMark(conv("a")), "");
  });

  it("lists waiting requests first, then declined, never sent or normal ones", () => {
    const list = [conv("d", "declined"), conv("n"), conv("p", "pending"), conv("s", "sent")];
    assert.deepEqual(
      requestsOf(list).map((c) => c.id),
      ["p", "d"],
    );
  });
});

describe("findBlocked", () => {
  const blocks = [
    { user: { id: "u1", username: "Eve", display_name: "Eve" }, created_at: 1 },
  ] as BlockView[];
  it("finds by username with or without @, ignoring case", () => {
    assert.equal(findBlocked(blocks, "@eve").user.id, "u1");
    assert.equal(findBlocked(blocks, "EVE").user.id, "u1");
  });
  it("says when the person is not blocked", () => {
    assert.throws(
      () => findBlocked(blocks, "bob"),
      (e: unknown) => e instanceof CliError && e.code === "not_found",
    );
  });
});

describe("ConversationFeed hides blocked people's group messages", () => {
  const message = (seq: number, sender_id: string): MessageView =>
    ({
      id: `m${seq}`,
      conversation_id: "g",
      seq,
      sender_id,
      body: `#${seq}`,
      created_at: 0,
    }) as MessageView;
  const history = [
    message(1, "ann"),
    message(2, "eve"),
    message(3, "eve"),
    message(4, "ann"),
    message(5, "eve"),
  ];
  const api = {
    history: async () => history,
    user: async (id: string) => ({ id, username: id, display_name: id }),
  } as unknown as ApiClient;

  async function lines(type: "group" | "direct", json = false): Promise<string[]> {
    const out: string[] = [];
    const group = { id: "g", type, members: [] } as unknown as ConversationView;
    const feed = new ConversationFeed(group, api, new NameBook(api), {
      json,
      style: plainStyle,
      write: (line) => out.push(line),
      blocked: new Set(["eve"]),
    });
    await feed.start(10);
    feed.accept({
      type: "message.new",
      conversation_id: "g",
      cursor: 9,
      message: message(6, "eve"),
    });
    await feed.idle();
    return out;
  }

  it("shows one line per hidden run in a group", async () => {
    const out = await lines("group");
    assert.equal(out.length, 5);
    assert.match(out[0] ?? "", /ann #1/);
    assert.equal(out[1], hiddenLine(2));
    assert.match(out[2] ?? "", /ann #4/);
    assert.equal(out[3], hiddenLine(1));
    assert.equal(out[4], hiddenLine(1), "a live message is hidden too");
    assert.ok(!out.join("\n").includes("#2"), "no hidden text leaks");
  });

  it("hides nothing in a direct chat or with --json", async () => {
    assert.equal((await lines("direct")).length, 6);
    assert.equal((await lines("group", true)).length, 6);
  });
});
