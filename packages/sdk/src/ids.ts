/**
 * Random ids for client_id and request ids; works outside secure contexts too, where
 * crypto.randomUUID is missing.
 */
export function randomId(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
