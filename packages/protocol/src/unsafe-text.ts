/**
 * Text no input may carry: the NUL character (U+0000), which PostgreSQL cannot store,
 * and lone UTF-16 surrogates, which no encoding can store faithfully (they would come
 * back changed). Both are refused at the edge, on both databases alike.
 */
export const UNSAFE_TEXT_MESSAGE =
  "text may not contain the NUL character (U+0000) or unpaired surrogates (malformed Unicode)";

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching U+0000 is the point.
const UNSAFE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Whether any string (or object key) inside `value` is unsafe text. */
export function containsUnsafeText(value: unknown, depth = 0): boolean {
  if (typeof value === "string") return UNSAFE.test(value);
  if (value === null || typeof value !== "object" || depth > 64) return false;
  if (Array.isArray(value)) return value.some((item) => containsUnsafeText(item, depth + 1));
  return Object.entries(value).some(
    ([key, item]) => UNSAFE.test(key) || containsUnsafeText(item, depth + 1),
  );
}

/** A cheap look at raw JSON text before parsing: false means it cannot hold unsafe text. */
export function mayContainUnsafeText(json: string): boolean {
  return json.includes("\\u") || UNSAFE.test(json);
}
