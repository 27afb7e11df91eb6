/**
 * The REST client and what survives a reload: the session (token and user) and, per user,
 * the socket cursor, so the app resumes where it left off.
 */

import { decodeWith } from "@private-chat/protocol/decode";
import { userView } from "@private-chat/protocol/rest";
import { ApiClient, ApiError, ChatSocket } from "@private-chat/sdk";
import { z } from "zod/mini";

const SESSION_KEY = "pc.session";

/**
 * The server this app talks to: its own origin, unless the page names another in
 * <meta name="chat-server"> (set when building a bundle hosted elsewhere).
 */
export const SERVER_URL =
  document.querySelector('meta[name="chat-server"]')?.getAttribute("content")?.trim() ?? "";

export const api = new ApiClient({ baseUrl: SERVER_URL });

/** A stored value decoded with `schema`; anything else (older app, edited by hand) is none. */
function read<S extends z.core.$ZodType>(key: string, schema: S): z.output<S> | undefined {
  try {
    const raw = localStorage.getItem(key);
    if (raw === null) return undefined;
    const decoded = decodeWith(schema, JSON.parse(raw));
    return decoded.ok ? decoded.value : undefined;
  } catch {
    return undefined;
  }
}

const storedSession = z.object({ token: z.string().check(z.minLength(1)), user: userView });
export type StoredSession = z.infer<typeof storedSession>;

export function write(key: string, value: unknown): void {
  try {
    if (value === undefined) localStorage.removeItem(key);
    else localStorage.setItem(key, JSON.stringify(value));
  } catch {
    // Storage full or disabled: the app still works, it just will not resume.
  }
}

export { read as readStored };

export function loadSession(): StoredSession | undefined {
  const session = read(SESSION_KEY, storedSession);
  if (!session) return undefined;
  api.token = session.token;
  return session;
}

export function saveSession(session: StoredSession): void {
  api.token = session.token;
  write(SESSION_KEY, session);
}

export function clearSession(userId: string | undefined): void {
  api.token = undefined;
  write(SESSION_KEY, undefined);
  if (userId) {
    write(cursorKey(userId), undefined);
    write(`pc.outbox.${userId}`, undefined);
  }
}

const cursorKey = (userId: string) => `pc.cursor.${userId}`;

export function storedCursor(userId: string): number | undefined {
  const cursor = read(cursorKey(userId), z.number());
  return cursor !== undefined && cursor > 0 ? cursor : undefined;
}

let current: ChatSocket | null = null;

/** The signed-in user's socket, while there is one. */
export function getSocket(): ChatSocket | null {
  return current;
}

export function closeSocket(): void {
  current?.close();
  current = null;
}

export function createSocket(userId: string): ChatSocket {
  closeSocket();
  current = new ChatSocket({
    baseUrl: SERVER_URL,
    token: () => api.token,
    cursor: storedCursor(userId),
    onCursor: (cursor) => write(cursorKey(userId), cursor),
  });
  return current;
}

const FRIENDLY: Partial<Record<string, string>> = {
  network_error: "Can't reach the server. Check your connection.",
  invalid_credentials: "Wrong username or password.",
  username_taken: "That username is taken.",
  invalid_username: "Usernames are 3–32 characters: letters, digits, '_', '.' and '-'.",
  invalid_password: "Passwords need at least 8 characters.",
  invite_required: "An invite code is required.",
  invalid_invite: "That invite code is not valid.",
  registration_closed: "Registration is closed on this server.",
  too_many_auth_attempts: "Too many attempts. Wait a moment and try again.",
  body_too_long: "That message is too long.",
  forbidden: "You're not allowed to do that.",
  not_found: "That no longer exists.",
  not_accepting: "This person is not accepting messages from you.",
  group_add_limit:
    "Someone here has been added to too many groups today. Try adding them again tomorrow.",
};

export function errorText(err: unknown): string {
  if (err instanceof ApiError) {
    // A cap, not a rate: waiting a moment would not help.
    if (err.code === "group_add_limit") return FRIENDLY[err.code] ?? err.message;
    if (err.status === 429 || err.code === "rate_limited") {
      const wait = err.retryAfterMs ? ` in ${Math.ceil(err.retryAfterMs / 1000)} s` : "";
      return `Slow down — try again${wait}.`;
    }
    return FRIENDLY[err.code] ?? err.message;
  }
  return err instanceof Error ? err.message : String(err);
}

export function isAuthError(err: unknown): boolean {
  return err instanceof ApiError && err.status === 401;
}
