/**
 * A stopped server leaves nothing in its process that keeps it alive: no timer, socket or
 * connection of its own, whatever its clients did before (a socket left open, a body it
 * refused unread). Otherwise `chat-server` would linger after "stopped cleanly", past
 * its shutdown timeout and the service manager's patience.
 */
import assert from "node:assert/strict";
import { it } from "node:test";
import { forEachEngine } from "../helpers/engines.js";
import { createUser } from "../helpers/factories.js";
import { client } from "../helpers/http.js";
import { connect } from "../helpers/socket.js";

/**
 * What keeps this process alive, by kind. Pending file writes (the logs), immediates and
 * handles being closed come and go: an immediate runs on the next turn, a close request
 * ends with its handle, so one in a snapshot holds nothing.
 */
const PASSING = new Set(["FSReqCallback", "Immediate", "CloseReq"]);
function liveResources(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo()) {
    if (!PASSING.has(kind)) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  return counts;
}

/**
 * The resources once closing handles have had their callbacks: a server's listener and
 * its last sockets leave the list a few event-loop turns after close() resolves, later on
 * a busy machine. Waits (boundedly) for `expected`; a handle really held stays and fails.
 */
async function settledResources(expected: Map<string, number>): Promise<Map<string, number>> {
  const same = (a: Map<string, number>) =>
    a.size === expected.size && [...a].every(([kind, n]) => expected.get(kind) === n);
  let now = liveResources();
  for (let i = 0; i < 250 && !same(now); i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    now = liveResources();
  }
  return now;
}

// The engine passes may run at once in this process, and each counts the whole process:
// they take turns.
let turn: Promise<void> = Promise.resolve();
async function alone(work: () => Promise<void>): Promise<void> {
  const previous = turn;
  let done = () => {};
  turn = new Promise((resolve) => {
    done = resolve;
  });
  await previous;
  try {
    await work();
  } finally {
    done();
  }
}

forEachEngine("a stopped server", { redis: true }, ({ start }) => {
  it("holds nothing open in its process, after sockets and a body it refused unread", () =>
    alone(async () => {
      const before = liveResources();
      const server = await start();
      const api = client(server.url);
      const user = await createUser(server.url);
      const socket = await connect(server.url, user.token);
      // Answered 413 before the body is read: the request never ends, only its connection.
      const refused = await api.post("/api/v1/auth/login", {
        username: "x",
        password: "y".repeat(2 * 1024 * 1024),
      });
      assert.equal(refused.status, 413);
      assert.equal((await api.get("/api/v1/me", { token: user.token })).status, 200);
      await server.stop();
      assert.equal((await socket.closed).code, 1001);
      assert.deepEqual(await settledResources(before), before);
    }));
});
