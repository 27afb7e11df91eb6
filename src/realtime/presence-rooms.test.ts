import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PRESENCE_MAX_MEMBERS, PresenceRooms } from "./presence-rooms.js";

describe("PresenceRooms", () => {
  it("stops presence at groups over the limit, counts each room once a minute, and once for callers at the same time", async () => {
    const sizes = new Map([
      ["small", PRESENCE_MAX_MEMBERS],
      ["large", PRESENCE_MAX_MEMBERS + 1],
    ]);
    const asked: string[][] = [];
    const rooms = new PresenceRooms(async (ids) => {
      asked.push(ids);
      await new Promise((resolve) => setTimeout(resolve, 5));
      return new Map(ids.flatMap((id) => (sizes.has(id) ? [[id, sizes.get(id) ?? 0]] : [])));
    });
    assert.equal(rooms.carries("large"), true, "unknown rooms carry presence");
    await Promise.all([rooms.refresh(["small", "large"], 1000), rooms.refresh(["large"], 1000)]);
    assert.deepEqual(asked, [["small", "large"]]);
    assert.equal(rooms.carries("small"), true);
    assert.equal(rooms.carries("large"), false);

    sizes.set("large", 3);
    await rooms.refresh(["large"], 30_000);
    assert.equal(asked.length, 1, "fresh for a minute");
    await rooms.refresh(["large"], 61_000);
    assert.equal(rooms.carries("large"), true, "a group that shrank carries it again");
  });
});
