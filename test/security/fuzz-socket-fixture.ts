/**
 * What the socket fuzz tests share: a server with Alice and Bob in a group, and the check
 * that after whatever a test did the server still answers /health and a new socket's ping.
 */
import assert from "node:assert/strict";
import { createUser, type TestUser } from "../helpers/factories.js";
import { client } from "../helpers/http.js";
import type { TestServer } from "../helpers/server.js";
import { connect } from "../helpers/socket.js";
import { rawRequest } from "./support.js";

export interface Fixture {
  server: TestServer;
  alice: TestUser;
  bob: TestUser;
  group: string;
}

export async function setUpFixture(server: TestServer): Promise<Fixture> {
  const alice = await createUser(server.url);
  const bob = await createUser(server.url);
  const group = await client(server.url).post(
    "/api/v1/conversations",
    { type: "group", title: "socket fuzz", member_ids: [bob.id] },
    { token: alice.token },
  );
  assert.equal(group.status, 201);
  return { server, alice, bob, group: group.body.id };
}

export async function stillServing(f: Fixture) {
  const health = await rawRequest(f.server.url, "GET", "/health");
  assert.equal(health.status, 200);
  const socket = await connect(f.server.url, f.alice.token);
  socket.send({ type: "ping", id: "alive" });
  assert.equal((await socket.next((x) => x.type === "pong")).id, "alive");
  await socket.close();
}
