import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { it } from "node:test";
import { sql } from "kysely";
import { describeEachEngine } from "../helpers/databases.js";

describeEachEngine("audit store", (get) => {
  it("appends entries and lists them newest first, with details as objects", async () => {
    const { store } = get();
    const admin = await store.users.create({
      id: randomUUID(),
      username: "auditor",
      displayName: "auditor",
      passwordHash: "hash",
      admin: true,
      now: Date.now(),
    });
    const now = Date.now();
    const first = await store.audit.append({
      actor: { id: null, label: "cli" },
      action: "user.create",
      targetType: "user",
      targetId: admin.id,
      details: { username: "auditor", is_admin: true },
      now,
    });
    const second = await store.audit.append({
      actor: { id: admin.id, label: admin.username },
      action: "sessions.revoke_all",
      targetType: "sessions",
      targetId: null,
      now,
    });
    assert.ok(second.id > first.id);
    const listed = await store.audit.list({ limit: 10 });
    assert.deepEqual(listed, [second, first]);
    assert.deepEqual(listed[1], {
      id: first.id,
      at: now,
      actorId: null,
      actorLabel: "cli",
      action: "user.create",
      targetType: "user",
      targetId: admin.id,
      details: { username: "auditor", is_admin: true },
    });
    assert.equal(listed[0]?.actorId, admin.id);
    assert.deepEqual(listed[0]?.details, {});
  });

  it("pages back with a limit and an id to list before", async () => {
    const { store } = get();
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) {
      const entry = await store.audit.append({
        actor: { id: null, label: "cli" },
        action: "invite.create",
        targetType: "invite",
        targetId: `invite-${i}`,
        now: Date.now(),
      });
      ids.push(entry.id);
    }
    const page = await store.audit.list({ limit: 2 });
    assert.deepEqual(
      page.map((e) => e.targetId),
      ["invite-4", "invite-3"],
    );
    const next = await store.audit.list({ limit: 2, before: page.at(-1)?.id ?? 0 });
    assert.deepEqual(
      next.map((e) => e.targetId),
      ["invite-2", "invite-1"],
    );
  });

  it("appends inside a transaction only if it commits", async () => {
    const { store } = get();
    const before = (await store.audit.list({ limit: 1 }))[0]?.id ?? 0;
    await assert.rejects(
      store.transaction(async (tx) => {
        await tx.audit.append({
          actor: { id: null, label: "cli" },
          action: "user.disable",
          targetType: "user",
          targetId: "rolled-back",
          now: Date.now(),
        });
        throw new Error("abort");
      }),
      /abort/,
    );
    const newest = (await store.audit.list({ limit: 1 }))[0];
    assert.equal(newest?.id ?? 0, before);
  });

  it("shows details it cannot parse instead of failing the listing", async () => {
    const { store } = get();
    await sql`insert into audit_log (at, actor_label, action, target_type, details)
      values (${Date.now()}, 'hand', 'manual.fix', 'user', 'not json')`.execute(store.db);
    const [newest] = await store.audit.list({ limit: 1 });
    assert.equal(newest?.action, "manual.fix");
    assert.equal(newest?.targetId, null);
    assert.deepEqual(newest?.details, { raw: "not json" });
  });
});
