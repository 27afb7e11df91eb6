/**
 * The user's do-not-disturb hours: read from the server when Settings opens, saved there
 * (so no device of the user is pushed during them) and kept in the chat state, where the
 * `dnd.updated` event from another device replaces them too.
 */
import type { DoNotDisturb } from "@private-chat/sdk";
import { api, errorText, isAuthError } from "../api.js";
import { chat } from "./chat.js";
import { end } from "./live.js";

function apply(dnd: DoNotDisturb | null): void {
  chat.update((s) => ({ ...s, dnd }));
}

/** Loads the hours; an error's text on failure (the session's end signs out instead). */
export async function loadDnd(): Promise<string | null> {
  try {
    apply((await api.myNotifications()).dnd);
    return null;
  } catch (err) {
    if (isAuthError(err)) end("Your session has ended. Please sign in again.");
    return errorText(err);
  }
}

/** Saves the hours (null: off); the stored value, or an error's text on failure. */
export async function saveDnd(
  dnd: DoNotDisturb | null,
): Promise<{ ok: true; dnd: DoNotDisturb | null } | { ok: false; error: string }> {
  try {
    const saved = (await api.setMyNotifications({ dnd })).dnd;
    apply(saved);
    return { ok: true, dnd: saved };
  } catch (err) {
    if (isAuthError(err)) end("Your session has ended. Please sign in again.");
    return { ok: false, error: errorText(err) };
  }
}
