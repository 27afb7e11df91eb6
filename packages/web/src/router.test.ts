/**
 * The web app's routes from the address's hash, above all links to messages: every
 * malformed one is a message route that shows not found, never a crash (run in Node).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { adminHref, chatHref, messageHref, messageUrl, parseRoute, threadHref } from "./router.js";

describe("parseRoute", () => {
  it("reads the existing routes", () => {
    assert.deepEqual(parseRoute(""), { name: "home" });
    assert.deepEqual(parseRoute("#/"), { name: "home" });
    assert.deepEqual(parseRoute("#/settings"), { name: "settings" });
    assert.deepEqual(parseRoute("#/search/a%20b"), { name: "search", q: "a b" });
    assert.deepEqual(parseRoute("#/c/abc"), { name: "chat", id: "abc", info: false });
    assert.deepEqual(parseRoute("#/c/abc/info"), { name: "chat", id: "abc", info: true });
    assert.deepEqual(parseRoute("#/threads"), { name: "threads" });
  });

  it("reads the admin console's sections, its users when none or an unknown one is named", () => {
    assert.deepEqual(parseRoute("#/admin"), { name: "admin", section: "users" });
    assert.deepEqual(parseRoute("#/admin/audit"), { name: "admin", section: "audit" });
    assert.deepEqual(parseRoute(adminHref("settings")), { name: "admin", section: "settings" });
    assert.deepEqual(parseRoute("#/admin/nothing"), { name: "admin", section: "users" });
  });

  it("reads a thread beside its conversation, and is the inverse of threadHref", () => {
    assert.deepEqual(parseRoute(threadHref("a/b c", "r?#1")), {
      name: "chat",
      id: "a/b c",
      info: false,
      thread: "r?#1",
    });
    // A thread link without its root is the conversation alone.
    assert.deepEqual(parseRoute("#/c/abc/t/"), { name: "chat", id: "abc", info: false });
  });

  it("reads a link to a message, and is the inverse of messageHref", () => {
    assert.deepEqual(parseRoute("#/c/conv1/m/msg1"), {
      name: "message",
      conversationId: "conv1",
      messageId: "msg1",
    });
    const href = messageHref("a/b c", "m?#1");
    assert.deepEqual(parseRoute(href), {
      name: "message",
      conversationId: "a/b c",
      messageId: "m?#1",
    });
    assert.ok(href.startsWith(chatHref("a/b c")));
  });

  it("turns a malformed link to a message into one that is not found", () => {
    const broken = { name: "message", conversationId: "", messageId: "" };
    for (const hash of [
      "#/c/conv1/m",
      "#/c/conv1/m/",
      "#/c//m/msg1",
      "#/c/conv1/m/msg1/extra",
      "#/c/conv1/m/%E0%A4%A",
      "#/c/%/m/msg1",
    ]) {
      assert.deepEqual(parseRoute(hash), broken, hash);
    }
  });

  it("never throws on a percent-escape that does not decode", () => {
    assert.deepEqual(parseRoute("#/search/%E0%A4%A"), { name: "search", q: "" });
    assert.deepEqual(parseRoute("#/c/%ZZ"), { name: "home" });
  });
});

describe("messageUrl", () => {
  it("is the page's address with the message's hash in place of any other", () => {
    assert.equal(
      messageUrl("conv1", "msg1", "https://chat.example.com/#/c/conv2/info"),
      "https://chat.example.com/#/c/conv1/m/msg1",
    );
    assert.equal(
      messageUrl("conv1", "msg1", "https://example.com/chat/?x=1"),
      "https://example.com/chat/?x=1#/c/conv1/m/msg1",
    );
  });
});
