// A test reporter that adds up how long each test file's top-level tests took and, at the
// end, writes one JSON object `{ "<file relative to the repo>": seconds }`. scripts/test.sh
// starts the longest files first from these figures (scripts/order-test-files.ts), so the
// run does not end on one long file while the other workers sit idle.
// JavaScript, not TypeScript: Node 20 loads reporters before the tsx hooks are registered.
import { relative } from "node:path";

/** @param {AsyncIterable<{type: string, data: {nesting?: number, file?: string, details?: {duration_ms?: number}}}>} source */
export default async function* durations(source) {
  /** @type {Map<string, number>} */
  const seconds = new Map();
  for await (const event of source) {
    if (event.type !== "test:pass" && event.type !== "test:fail") continue;
    const { nesting, file, details } = event.data;
    if (nesting !== 0 || !file || details?.duration_ms === undefined) continue;
    const key = relative(process.cwd(), file);
    seconds.set(key, (seconds.get(key) ?? 0) + details.duration_ms / 1000);
  }
  const sorted = [...seconds].sort(([a], [b]) => a.localeCompare(b));
  yield `${JSON.stringify(Object.fromEntries(sorted.map(([file, s]) => [file, Math.round(s)])), null, 2)}\n`;
}
