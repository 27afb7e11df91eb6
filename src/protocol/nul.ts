/**
 * The NUL character (U+0000): PostgreSQL cannot store it in text, and no chat message
 * needs it, so every input that carries one is refused at the edge, on both databases
 * alike.
 */
export const NUL_MESSAGE = "text may not contain the NUL character (U+0000)";

/** Whether any string (or object key) inside `value` contains U+0000. */
export function containsNul(value: unknown, depth = 0): boolean {
  if (typeof value === "string") return value.includes("\u0000");
  if (value === null || typeof value !== "object" || depth > 64) return false;
  if (Array.isArray(value)) return value.some((item) => containsNul(item, depth + 1));
  return Object.entries(value).some(
    ([key, item]) => key.includes("\u0000") || containsNul(item, depth + 1),
  );
}

/** A cheap look at raw JSON text before parsing: false means it cannot hold a NUL. */
export function mayContainNul(json: string): boolean {
  return json.includes("\\u0000") || json.includes("\u0000");
}
