/**
 * `[limits] group_adds_per_day`: how many groups other people may add one person to in
 * 24 hours. Tried the ways a spammer would: creating groups with the victim in them,
 * adding the victim to existing groups, many spammers together, adding and removing the
 * same victim over and over, and many adds at once.
 */
import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { createGroup } from "../helpers/chat.js";
import { forEachEngine } from "../helpers/engines.js";
import { createUser, type TestUser } from "../helpers/factories.js";
import { client } from "../helpers/http.js";
import type { TestServer } from "../helpers/server.js";

const V1 = "/api/v1";
const CAP = 3;

forEachEngine("groups others may add one person to", ({ start }) => {
  let server: TestServer;
  let api: ReturnType<typeof client>;
  before(async () => {
    server = await start({ limits: { group_adds_per_day: CAP }, rate_limit: { enabled: false } });
    api = client(server.url);
  });
  after(() => server.stop());

  const users = (n: number) => Promise.all(Array.from({ length: n }, () => createUser(server.url)));
  const newGroup = (owner: TestUser, members: TestUser[]) =>
    api.post(
      `${V1}/conversations`,
      { type: "group", title: "g", member_ids: members.map((m) => m.id) },
      { token: owner.token },
    );
  const add = (actor: TestUser, groupId: string, members: TestUser[]) =>
    api.post(
      `${V1}/conversations/${groupId}/members`,
      { user_ids: members.map((m) => m.id) },
      { token: actor.token },
    );
  const groupsOf = async (user: TestUser) =>
    (await api.get(`${V1}/conversations`, { token: user.token })).body.conversations.filter(
      (c: { type: string }) => c.type === "group",
    ).length;

  it("refuses the group past the cap with 429 group_add_limit, and creates nothing", async () => {
    const [spammer, victim, bystander] = (await users(3)) as [TestUser, TestUser, TestUser];
    for (let i = 0; i < CAP; i++) assert.equal((await newGroup(spammer, [victim])).status, 201);
    const refused = await newGroup(spammer, [bystander, victim]);
    assert.equal(refused.status, 429);
    assert.equal(refused.body.error.code, "group_add_limit");
    assert.deepEqual(refused.body.error.details, { user_ids: [victim.id] });
    assert.equal(await groupsOf(victim), CAP);
    assert.equal(await groupsOf(bystander), 0, "nobody in the refused request was added");
    assert.equal(await groupsOf(spammer), CAP, "the refused group was not created");
  });

  it("counts adds to existing groups and new groups together, whoever adds", async () => {
    const [s1, s2, victim, friend] = (await users(4)) as [TestUser, TestUser, TestUser, TestUser];
    const g1 = await createGroup(server.url, s1, []);
    const g2 = await createGroup(server.url, s2, []);
    const g3 = await createGroup(server.url, s2, []);
    assert.equal((await add(s1, g1.id, [victim])).status, 200);
    assert.equal((await newGroup(s2, [victim])).status, 201);
    assert.equal((await add(s2, g2.id, [victim, friend])).status, 200);
    const refused = await add(s2, g3.id, [friend, victim]);
    assert.equal(refused.status, 429);
    assert.equal(refused.body.error.code, "group_add_limit");
    assert.deepEqual(refused.body.error.details.user_ids, [victim.id]);
    const members = (await api.get(`${V1}/conversations/${g3.id}`, { token: s2.token })).body
      .members as { id?: string; user?: { id: string } }[];
    assert.equal(members.length, 1, "the friend was not added either");
  });

  it("counts an add that was undone: adding and removing the same person again and again", async () => {
    const [spammer, victim] = (await users(2)) as [TestUser, TestUser];
    const group = await createGroup(server.url, spammer, []);
    for (let i = 0; i < CAP; i++) {
      assert.equal((await add(spammer, group.id, [victim])).status, 200);
      const removed = await api.delete(`${V1}/conversations/${group.id}/members/${victim.id}`, {
        token: spammer.token,
      });
      assert.equal(removed.status, 204);
    }
    const refused = await add(spammer, group.id, [victim]);
    assert.equal(refused.status, 429);
    assert.equal(refused.body.error.code, "group_add_limit");
  });

  it("does not count groups a person creates, or adds to groups by the person themselves", async () => {
    const [person, other] = (await users(2)) as [TestUser, TestUser];
    for (let i = 0; i < CAP + 2; i++) assert.equal((await newGroup(person, [])).status, 201);
    // Naming yourself among the members is not being added by someone else.
    for (let i = 0; i < 2; i++) assert.equal((await newGroup(person, [person])).status, 201);
    assert.equal((await newGroup(person, [other])).status, 201);
    const spammer = (await users(1))[0] as TestUser;
    for (let i = 0; i < CAP; i++) assert.equal((await newGroup(spammer, [person])).status, 201);
    assert.equal((await newGroup(spammer, [person])).status, 429);
  });

  it("lets no more than the cap through when many adds race", async () => {
    const victim = (await users(1))[0] as TestUser;
    const spammers = await users(8);
    const answers = await Promise.all(spammers.map((s) => newGroup(s, [victim])));
    const statuses = answers.map((a) => a.status).sort();
    assert.deepEqual(statuses, [201, 201, 201, 429, 429, 429, 429, 429]);
    assert.equal(await groupsOf(victim), CAP);
  });

  it("forgets adds older than 24 hours", async () => {
    const [spammer, victim] = (await users(2)) as [TestUser, TestUser];
    for (let i = 0; i < CAP; i++) assert.equal((await newGroup(spammer, [victim])).status, 201);
    assert.equal((await newGroup(spammer, [victim])).status, 429);
    await server.ctx.store.db
      .updateTable("group_adds")
      .set({ added_at: Date.now() - 25 * 3600 * 1000 })
      .where("user_id", "=", victim.id)
      .execute();
    assert.equal((await newGroup(spammer, [victim])).status, 201);
  });
});
