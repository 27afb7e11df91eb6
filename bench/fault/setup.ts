/**
 * The people and conversations of a fault run, made over the real REST API with the
 * SDK: direct chats between neighbours and seeded groups, so most messages have several
 * recipients.
 */
import { ApiClient } from "@private-chat/sdk";
import { type BenchUser, registerUsers } from "../lib/accounts.js";
import type { Random } from "./prng.js";

export interface Conversation {
  id: string;
  group: boolean;
  /** User ids, the creator first. */
  members: string[];
}

/** Indexes of users: each neighbour pair in a direct chat; groups of 4 to 8, everyone in one. */
export function planConversations(
  random: Random,
  users: number,
): { direct: number[][]; group: number[][] } {
  const direct: number[][] = [];
  for (let i = 0; i < users && users > 1; i++) {
    if (users === 2 && i === 1) break;
    direct.push([i, (i + 1) % users]);
  }
  const groups = Math.max(2, Math.round(users / 4));
  const group: Set<number>[] = Array.from({ length: groups }, () => new Set<number>());
  for (let i = 0; i < users; i++) group[i % groups]?.add(i);
  for (const members of group) {
    const size = Math.min(users, 4 + random.int(5));
    while (members.size < size) members.add(random.int(users));
  }
  return { direct, group: group.map((members) => [...members]) };
}

export interface Population {
  users: BenchUser[];
  conversations: Conversation[];
}

/** Registers `count` users on the first node and creates the planned conversations. */
export async function populate(
  urls: readonly string[],
  count: number,
  random: Random,
): Promise<Population> {
  const { users } = await registerUsers(urls[0] as string, count, 4);
  const plan = planConversations(random, count);
  const conversations: Conversation[] = [];
  const planned = [
    ...plan.direct.map((indexes) => ({ group: false, indexes })),
    ...plan.group.map((indexes) => ({ group: true, indexes })),
  ];
  for (const [n, { group, indexes }] of planned.entries()) {
    const members = indexes.map((i) => users[i]?.id as string);
    const owner = users[indexes[0] as number] as BenchUser;
    const others = members.slice(1);
    // Spread over the nodes: each one must see conversations made elsewhere.
    const api = new ApiClient({ baseUrl: urls[n % urls.length] as string, token: owner.token });
    const view = await api.createConversation(
      group
        ? { type: "group", title: `fault ${n}`, member_ids: others }
        : { type: "direct", member_ids: others },
    );
    conversations.push({ id: view.id, group, members });
  }
  return { users, conversations };
}

/** The ids of one user's direct chats and groups. */
export function conversationsOf(all: readonly Conversation[], userId: string) {
  const mine = all.filter((c) => c.members.includes(userId));
  return {
    direct: mine.filter((c) => !c.group).map((c) => c.id),
    group: mine.filter((c) => c.group).map((c) => c.id),
  };
}
