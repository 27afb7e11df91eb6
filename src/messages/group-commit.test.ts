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

it("keeps at most two overlapping batches in flight, and lets no other batch overtake", async () => {
  const log: string[] = [];
  const release: (() => void)[] = [];
  const commit = new GroupCommit<string, string>(
    async (items) => {
      const name = items.join("+");
      log.push(`start ${name}`);
      await new Promise<void>((r) => release.push(r));
      log.push(`end ${name}`);
      return items.map((value) => ({ ok: true, value }));
    },
    512,
    (items) => items.every((item) => item.startsWith("p")),
  );
  const turn = () => new Promise((r) => setImmediate(r));
  const sent = [commit.submit("p1")];
  await turn();
  sent.push(commit.submit("p2"));
  await turn();
  // p2 started while p1 is still running.
  assert.deepEqual(log, ["start p1", "start p2"]);
  sent.push(commit.submit("p3"), commit.submit("g4"));
  await turn();
  release.shift()?.();
  await turn();
  release.shift()?.();
  await turn();
  // p3+g4 is not all overlappable: it waited for both to end.
  assert.deepEqual(log, ["start p1", "start p2", "end p1", "end p2", "start p3+g4"]);
  release.shift()?.();
  assert.deepEqual(await Promise.all(sent), ["p1", "p2", "p3", "g4"]);
});

it("gathers what an idle queue is given within its window into one batch", async () => {
  const batches: string[][] = [];
  const commit = new GroupCommit<string, string>(
    async (items) => {
      batches.push(items);
      return items.map((value) => ({ ok: true, value }));
    },
    512,
    () => false,
    50,
  );
  const first = commit.submit("a");
  // A later turn of the event loop, well within the window.
  await new Promise((r) => setImmediate(r));
  const second = commit.submit("b");
  assert.deepEqual(await Promise.all([first, second]), ["a", "b"]);
  assert.deepEqual(batches, [["a", "b"]]);
});
