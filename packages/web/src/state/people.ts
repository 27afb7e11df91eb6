/**
 * Names of people the app shows but whose conversation no longer lists them (they left
 * or were removed): looked up once each, so their old messages keep a name.
 */
import { ApiError } from "@private-chat/sdk";
import { api } from "../api.js";
import { createStore } from "./store.js";

export const people = createStore<Readonly<Record<string, string>>>({});
const asked = new Set<string>();

/** The person's display name if known; otherwise asks the server once and returns undefined. */
export function personName(userId: string): string | undefined {
  const known = people.get()[userId];
  if (known === undefined && !asked.has(userId)) {
    asked.add(userId);
    api.user(userId).then(
      (user) => people.update((all) => ({ ...all, [userId]: user.display_name })),
      (err: unknown) => {
        // A deleted account stays "Former member"; a failure the catalogue calls
        // retryable (network, 5xx, rate limit) is asked again later.
        if (!(err instanceof ApiError) || err.retryable) asked.delete(userId);
      },
    );
  }
  return known;
}
