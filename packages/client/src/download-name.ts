/**
 * The file name a download is saved under when no --out is given: the name the server
 * sends (Content-Disposition), reduced to one safe path component in this directory.
 */

/** The filename of a Content-Disposition header (filename* first, as RFC 6266 says). */
export function dispositionName(header: string | null): string | undefined {
  if (!header) return undefined;
  const extended = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(header);
  if (extended?.[1]) {
    try {
      return decodeURIComponent(extended[1].trim());
    } catch {
      // A malformed encoding falls back to the plain filename.
    }
  }
  const plain = /filename\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]+))/.exec(header);
  const value = plain?.[1]?.replace(/\\(.)/g, "$1") ?? plain?.[2]?.trim();
  return value || undefined;
}

/**
 * One path component that cannot leave the directory or hide: no separators, no control
 * or bidi characters, no leading dots, at most 200 characters; `fallback` when nothing
 * is left.
 */
export function safeFileName(name: string | undefined, fallback: string): string {
  const base = (name ?? "").split(/[/\\]/).pop() ?? "";
  const cleaned = base
    .replace(/[\p{Cc}\p{Cf}\u2028\u2029]/gu, "")
    .replace(/[<>:"|?*]/g, "_")
    .replace(/^[.\s]+/, "")
    .replace(/[.\s]+$/, "")
    .trim();
  const short = [...cleaned].slice(0, 200).join("");
  return short === "" ? fallback : short;
}
