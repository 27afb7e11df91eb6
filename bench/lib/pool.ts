/**
 * Bounded concurrency and bounded waiting: the only two ways the harness loops.
 */

/** Runs task(0..count-1) with at most `concurrency` running; the first failure stops it. */
export async function mapBounded<T>(
  count: number,
  concurrency: number,
  task: (index: number) => Promise<T>,
): Promise<T[]> {
  const results = new Array<T>(count);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < count) {
      const index = next++;
      try {
        results[index] = await task(index);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  const workers = Array.from({ length: Math.max(1, Math.min(concurrency, count)) }, worker);
  await Promise.all(workers);
  return results;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `done` every `everyMs` until it is true or `timeoutMs` passes; returns whether it was. */
export async function waitUntil(
  done: () => boolean,
  timeoutMs: number,
  everyMs = 10,
): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!done()) {
    if (performance.now() >= deadline) return false;
    await sleep(everyMs);
  }
  return true;
}

/** Waits until `lastActivity()` is at least `quietMs` old, at most `timeoutMs`. */
export function waitForQuiet(lastActivity: () => number, quietMs: number, timeoutMs: number) {
  return waitUntil(() => performance.now() - lastActivity() >= quietMs, timeoutMs, 20);
}
