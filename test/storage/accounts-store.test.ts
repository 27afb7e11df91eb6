import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { it } from "node:test";
import { AppError } from "../../src/errors.js";
import { describeEachEngine } from "../helpers/databases.js";

function newUser(username: string, admin: boolean | "first" = false) {
  return {
    id: randomUUID(),
    username,
    displayName: username,
    passwordHash: "hash",
    admin,
    now: Date.now(),
  };
}

describeEachEngine("user store", (get) => {
  it("makes the first account an admin and later ones not", async () => {
    const { store } = get();
    const first = await store.users.create(newUser("alice", "first"));
    const second = await store.users.create(newUser("bob", "first"));
    assert.equal(first.isAdmin, true);
    assert.equal(second.isAdmin, false);
  });

  it("keeps usernames unique ignoring case", async () => {
    const { store } = get();
    await assert.rejects(
      store.users.create(newUser("ALICE")),
      (err: unknown) => err instanceof AppError && err.code === "username_taken",
    );
    const found = await store.users.byUsername("Alice");
    assert.equal(found?.username, "alice");
    assert.equal(found?.passwordHash, "hash");
  });

  it("searches the directory by prefix, without disabled accounts", async () => {
    const { store } = get();
    const carol = await store.users.create(newUser("carol"));
    await store.users.create(newUser("carl_x"));
    await store.users.create(newUser("c%r"));
    assert.deepEqual(
      (await store.users.list({ prefix: "CAR", limit: 10 })).map((u) => u.username),
      ["carl_x", "carol"],
    );
    assert.deepEqual(
      (await store.users.list({ prefix: "c%", limit: 10 })).map((u) => u.username),
      ["c%r"],
    );
    assert.deepEqual(
      (await store.users.list({ prefix: "car", limit: 1 })).map((u) => u.username),
      ["carl_x"],
    );
    await store.users.setDisabled(carol.id, true);
    assert.deepEqual(
      (await store.users.list({ prefix: "car", limit: 10 })).map((u) => u.username),
      ["carl_x"],
    );
    assert.equal((await store.users.byId(carol.id))?.disabled, true);
  });

  it("rolls back every write of a failed transaction", async () => {
    const { store } = get();
    const before = await store.users.count();
    await assert.rejects(
      store.transaction(async (tx) => {
        await tx.users.create(newUser("rolled_back"));
        throw new Error("abort");
      }),
    );
    assert.equal(await store.users.count(), before);
    assert.equal(await store.users.byUsername("rolled_back"), undefined);
  });
});

describeEachEngine("session store", (get) => {
  it("creates, lists, touches and revokes sessions", async () => {
    const { store } = get();
    const user = await store.users.create(newUser("sam"));
    const now = Date.now();
    const make = (id: string, createdAt: number) =>
      store.sessions.create({
        id,
        userId: user.id,
        createdAt,
        expiresAt: now + 60_000,
        userAgent: "ua",
        ip: "127.0.0.1",
      });
    await make("s1", now - 2);
    await make("s2", now - 1);
    await make("s3", now);
    await store.sessions.create({
      id: "old",
      userId: user.id,
      createdAt: now - 10,
      expiresAt: now - 5,
      userAgent: "",
      ip: "",
    });
    assert.deepEqual(
      (await store.sessions.listActive(user.id, now)).map((s) => s.id),
      ["s3", "s2", "s1"],
    );
    await store.sessions.touch("s1", now + 5);
    assert.equal((await store.sessions.byId("s1"))?.lastSeenAt, now + 5);
    assert.equal(await store.sessions.revoke("s1", "someone-else", now), false);
    assert.equal(await store.sessions.revoke("s1", user.id, now), true);
    assert.equal(await store.sessions.revoke("s1", user.id, now), false);
    assert.deepEqual((await store.sessions.revokeAllForUser(user.id, now, "s3")).sort(), [
      "old",
      "s2",
    ]);
    assert.deepEqual(
      (await store.sessions.listActive(user.id, now)).map((s) => s.id),
      ["s3"],
    );
    assert.equal(await store.sessions.purgeEnded(now + 1), 3);
  });
});

describeEachEngine("invite store", (get) => {
  it("consumes a code once, and never a revoked or expired one", async () => {
    const { store } = get();
    const user = await store.users.create(newUser("ivy"));
    const other = await store.users.create(newUser("ike"));
    const now = Date.now();
    await store.invites.create({
      id: randomUUID(),
      code: "good",
      createdBy: null,
      now,
      expiresAt: now + 1000,
    });
    const revoked = await store.invites.create({
      id: randomUUID(),
      code: "revoked",
      createdBy: null,
      now,
      expiresAt: null,
    });
    await store.invites.create({
      id: randomUUID(),
      code: "expired",
      createdBy: null,
      now,
      expiresAt: now - 1,
    });
    assert.equal(await store.invites.revoke(revoked.id, now), true);
    assert.equal(await store.invites.consume("revoked", user.id, now), false);
    assert.equal(await store.invites.consume("expired", user.id, now), false);
    assert.equal(await store.invites.consume("unknown", user.id, now), false);
    assert.equal(await store.invites.consume("good", user.id, now), true);
    assert.equal(await store.invites.consume("good", other.id, now), false);
    const used = (await store.invites.list()).find((i) => i.usedBy !== null);
    assert.equal(used?.usedBy, user.id);
  });
});

describeEachEngine("external identities: the directory sync's claims", (get) => {
  it("claims each due link once, with or without a refresh token, and again after the interval", async () => {
    const { store } = get();
    const dana = await store.users.create(newUser("dana_ldap"));
    const eli = await store.users.create(newUser("eli_ldap"));
    for (const [user, subject] of [
      [dana, "uuid-dana"],
      [eli, "uuid-eli"],
    ] as const)
      assert.ok(
        await store.externalIdentities.link({
          provider: "ldap",
          subject,
          userId: user.id,
          createdAt: 1,
        }),
      );
    const first = await store.externalIdentities.claimLinksForCheck("ldap", 1_000, 2_000, 10);
    assert.deepEqual(first.map((c) => c.subject).sort(), ["uuid-dana", "uuid-eli"]);
    // Another node, at the same time: nothing left to claim.
    assert.deepEqual(
      await store.externalIdentities.claimLinksForCheck("ldap", 1_000, 2_000, 10),
      [],
    );
    const later = await store.externalIdentities.claimLinksForCheck("ldap", 2_500, 3_000, 1);
    assert.equal(later.length, 1, "one at a time when the batch is one");
    assert.equal(await store.users.setDisplayName(dana.id, "Dana Directory"), true);
    assert.equal((await store.users.byId(dana.id))?.displayName, "Dana Directory");
  });
});
