/**
 * A device as an app sets it up (the SDK's registerDevice), for the suites of encrypted
 * conversations, and a check for the server's refusals.
 */
import type { ApiClient } from "@private-chat/sdk";
import { ApiError } from "@private-chat/sdk";
import {
  type ConversationState,
  type ConversationStates,
  type RegisteredDevice,
  registerDevice,
  toBase64Url,
} from "@private-chat/sdk/mls";

export const b64 = toBase64Url;

export type Device = RegisteredDevice;

/** A device with a pool of three key packages and a last-resort one. */
export function setUpDevice(client: ApiClient, userId: string, name: string): Promise<Device> {
  return registerDevice(client.devices, userId, name, 3);
}

/** For assert.rejects: the server refused with this code (and status, when given). */
export function refusal(code: string, status?: number) {
  return (err: unknown) => {
    if (!(err instanceof ApiError)) throw err;
    if (err.code !== code || (status !== undefined && err.status !== status))
      throw new Error(`expected ${code}, got ${err.status} ${err.code}: ${err.message}`);
    return true;
  };
}

/**
 * Conversation states kept in memory, one step at a time per conversation, as an app's
 * store keeps them (the terminal client's files, the browser's IndexedDB). Each state is
 * copied in and out, so a step that fails midway leaves only what it saved.
 */
export function memoryStates(): ConversationStates & { saved: Map<string, ConversationState> } {
  const saved = new Map<string, ConversationState>();
  const turns = new Map<string, Promise<unknown>>();
  const copy = (state: ConversationState) => structuredClone(state);
  return {
    saved,
    withState(conversationId, work) {
      const step = (turns.get(conversationId) ?? Promise.resolve())
        .catch(() => {})
        .then(async () => {
          const before = saved.get(conversationId);
          const save = (state: ConversationState) => {
            saved.set(conversationId, copy(state));
          };
          const { state, result } = await work(before && copy(before), save);
          if (state) save(state);
          return result;
        });
      turns.set(conversationId, step);
      return step;
    },
  };
}
