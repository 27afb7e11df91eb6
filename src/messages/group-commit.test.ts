import assert from "node:assert/strict";
import { it } from "node:test";
import { GroupCommit } from "./group-commit.js";

it("batches what arrives in one turn and while a batch runs, keeps order, isolates failures", async () => {
  const batches: number[][] = [];
  const commit = new GroupCommit<number, number>(async (items) => {
    batches.push(items);
    await new Promise((r) => setTimeout(r, 5));
    return items.map((n) =>
      n === 3 ? { ok: false, error: new Error("three") } : { ok: true, value: n * 10 },
    );
  });
  const first = [1, 2].map((n) => commit.submit(n));
  // Sends queued after the first batch started wait for it, then go together.
  await new Promise((r) => setImmediate(r));
  const results = await Promise.allSettled([...first, ...[3, 4, 5].map((n) => commit.submit(n))]);
  assert.deepEqual(batches, [
    [1, 2],
    [3, 4, 5],
  ]);
  assert.deepEqual(
    results.map((r) => (r.status === "fulfilled" ? r.value : (r.reason as Error).message)),
    [10, 20, "three", 40, 50],
  );
});

it("rejects a whole batch when it throws, then carries on", async () => {
  let calls = 0;
  const commit = new GroupCommit<string, string>(async (items) => {
    calls += 1;
    if (calls === 1) throw new Error("database away");
    return items.map((value) => ({ ok: true, value }));
  });
  await assert.rejects(commit.submit("a"), /database away/);
  assert.equal(await commit.submit("b"), "b");
});
