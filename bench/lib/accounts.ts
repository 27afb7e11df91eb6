/**
 * Setting up the people and conversations a workload needs, over the real REST API with
 * the SDK's ApiClient. Registration hashes each password with argon2id (tens of ms of
 * server CPU each), so it runs in parallel with bounded concurrency and is timed apart
 * from the measurement.
 */
import { randomBytes } from "node:crypto";
import { ApiClient } from "@private-chat/sdk";
import { mapBounded } from "./pool.js";

export interface BenchUser {
  id: string;
  username: string;
  password: string;
  token: string;
}

export interface Registered {
  users: BenchUser[];
  seconds: number;
}

export function passwordFor(index: number): string {
  return `bench-password-${index}`;
}

/** Registers `count` users, `concurrency` requests at a time. */
export async function registerUsers(
  baseUrl: string,
  count: number,
  concurrency: number,
): Promise<Registered> {
  const tag = randomBytes(3).toString("hex");
  const start = performance.now();
  const users = await mapBounded(count, concurrency, async (i) => {
    const client = new ApiClient({ baseUrl });
    const username = `b${tag}_${i}`;
    const password = passwordFor(i);
    const auth = await client.register({ username, password });
    return { id: auth.user.id, username, password, token: auth.token };
  });
  return { users, seconds: (performance.now() - start) / 1000 };
}

/** One direct conversation per pair (0,1), (2,3), ...; returns their ids in pair order. */
export function createPairs(
  baseUrl: string,
  users: BenchUser[],
  concurrency: number,
): Promise<string[]> {
  return mapBounded(Math.floor(users.length / 2), concurrency, async (pair) => {
    const [a, b] = [users[2 * pair], users[2 * pair + 1]];
    if (!a || !b) throw new Error(`pair ${pair} is incomplete`);
    const client = new ApiClient({ baseUrl, token: a.token });
    return (await client.createConversation({ type: "direct", member_ids: [b.id] })).id;
  });
}

/** One group owned by the first user with every other user as a member. */
export async function createGroup(baseUrl: string, users: BenchUser[]): Promise<string> {
  const [owner, ...others] = users;
  if (!owner) throw new Error("a group needs at least one user");
  const client = new ApiClient({ baseUrl, token: owner.token });
  const view = await client.createConversation({
    type: "group",
    title: "bench group",
    member_ids: others.map((u) => u.id),
  });
  return view.id;
}

/** The chat-server's socket URL for a user. */
export function chatSocketUrl(wsBase: string, user: BenchUser): string {
  return `${wsBase}/socket?token=${encodeURIComponent(user.token)}`;
}

/** The relay's socket URL for a user in the given conversations. */
export function relaySocketUrl(wsBase: string, user: BenchUser, rooms: string[]): string {
  return `${wsBase}/socket?user=${encodeURIComponent(user.id)}&rooms=${rooms.map(encodeURIComponent).join(",")}`;
}
