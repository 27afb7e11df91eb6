/**
 * The web app's chat state for do-not-disturb hours: unknown until loaded, and replaced by
 * the `dnd.updated` event another device's change brings (run in Node, no browser).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { StoredEvent } from "@private-chat/sdk";
import { emptyState } from "./chat.js";
import { applyEvent } from "./reduce.js";

const updated = (dnd: unknown) =>
  ({ type: "dnd.updated", conversation_id: null, cursor: 1, dnd }) as StoredEvent;

describe("do-not-disturb hours in the chat state", () => {
  it("are unknown until loaded", () => {
    assert.equal(emptyState().dnd, undefined);
  });

  it("follow dnd.updated, on and off, and touch nothing else", () => {
    const before = emptyState();
    const hours = { start: "22:00", end: "07:00", time_zone: "Europe/Berlin" };
    const on = applyEvent(before, updated(hours));
    assert.deepEqual(on.dnd, hours);
    assert.deepEqual({ ...on, dnd: undefined }, before);
    assert.equal(applyEvent(on, updated(null)).dnd, null);
  });
});
