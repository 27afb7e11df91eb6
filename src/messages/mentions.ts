/**
 * Finds `@username` mentions in a message body.
 */
const MENTION = /(?:^|[^\w@.-])@([a-z0-9_.-]{3,32})/gi;

/** Usernames mentioned in `body`, lower-cased, each once, trailing dots dropped. */
export function findMentions(body: string): string[] {
  const names = new Set<string>();
  for (const match of body.matchAll(MENTION)) {
    const name = match[1]?.replace(/\.+$/, "").toLowerCase();
    if (name && name.length >= 3) names.add(name);
    if (names.size >= 50) break;
  }
  return [...names];
}
