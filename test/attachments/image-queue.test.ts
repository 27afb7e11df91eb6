/**
 * The image queue on its own: how many jobs run at once, how many wait, and the refusal
 * (server_busy, with a Retry-After estimate) past that; and the job count it picks from
 * the cores and libuv's pool. Deterministic: jobs are promises the test resolves.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { defaultImageJobs, ImageQueue, threadPoolSize } from "../../src/attachments/image-queue.js";
import { AppError } from "../../src/errors.js";

/** A job that runs until the test lets it finish. */
function gate() {
  let open!: () => void;
  const done = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, job: () => done };
}

describe("image queue", () => {
  it("runs at most `jobs` at once, starts waiting ones in order, refuses past the wait limit", async () => {
    const queue = new ImageQueue(2, 3);
    const gates = Array.from({ length: 5 }, gate);
    const started: number[] = [];
    const runs = gates.map((g, i) =>
      queue.run(async () => {
        started.push(i);
        await g.job();
        return i;
      }),
    );
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(started, [0, 1]);
    assert.deepEqual(queue.load, { running: 2, waiting: 3 });

    const refused = await queue.run(async () => "never").catch((err: unknown) => err);
    assert.ok(refused instanceof AppError);
    assert.equal(refused.code, "server_busy");
    assert.equal(refused.status, 503);
    assert.ok(refused.retryAfterSeconds !== undefined && refused.retryAfterSeconds >= 1);
    assert.match(refused.message, /2 at a time, 3 waiting/);

    gates[1]?.open();
    await runs[1];
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(started, [0, 1, 2]);
    for (const g of gates) g.open();
    assert.deepEqual(await Promise.all(runs), [0, 1, 2, 3, 4]);
    assert.deepEqual(started, [0, 1, 2, 3, 4]);
    assert.deepEqual(queue.load, { running: 0, waiting: 0 });
  });

  it("frees the slot of a job that fails", async () => {
    const queue = new ImageQueue(1, 0);
    await assert.rejects(
      queue.run(async () => {
        throw new Error("decoder failed");
      }),
      /decoder failed/,
    );
    assert.deepEqual(queue.load, { running: 0, waiting: 0 });
    assert.equal(await queue.run(async () => "next"), "next");
  });

  it("refuses at once with no waiting room", async () => {
    const queue = new ImageQueue(1, 0);
    const g = gate();
    const first = queue.run(g.job);
    await assert.rejects(
      queue.run(async () => 1),
      { code: "server_busy" },
    );
    g.open();
    await first;
  });

  it("leaves two threads of libuv's pool to sign-in and file I/O", () => {
    assert.equal(threadPoolSize({}), 4);
    assert.equal(threadPoolSize({ UV_THREADPOOL_SIZE: "16" }), 16);
    assert.equal(threadPoolSize({ UV_THREADPOOL_SIZE: "nonsense" }), 4);
    assert.equal(defaultImageJobs(2, 4), 2);
    assert.equal(defaultImageJobs(16, 4), 2);
    assert.equal(defaultImageJobs(16, 10), 8);
    assert.equal(defaultImageJobs(1, 4), 1);
    assert.equal(defaultImageJobs(8, 1), 1);
  });
});
