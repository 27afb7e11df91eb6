/**
 * Filling in history on this installation (docs/E2EE.md, "History on a new device"): the
 * SDK's restoreBackup and fillHistory, as in the web app, over this installation's files.
 * Each conversation is brought up to date on this device (joined, when a member's device
 * added it), and the messages it could not read filled in, those the server still holds
 * alone: from the key backup's chunks, or from history another device shared.
 */
import type { ApiClient } from "@private-chat/sdk";
import {
  type FillResult,
  fillHistory as fillOnDevice,
  type HistoryByConversation,
  type RestoreResult,
  type RestoreTarget,
  restoreBackup,
} from "@private-chat/sdk/mls";
import { encryptedChat } from "./encrypted-chat.js";
import { fileStates } from "./encrypted-store.js";
import type { Io } from "./io.js";

export type { FillResult, RestoreResult };

function thisDevice(api: ApiClient, userId: string, io: Io): RestoreTarget {
  return {
    async chatOf(conversation) {
      const chat = await encryptedChat(api, userId, conversation, io);
      return { read: (messages) => chat.reveal(messages) };
    },
    states: fileStates(userId),
  };
}

export function restoreHistory(
  api: ApiClient,
  userId: string,
  key: Uint8Array,
  io: Io,
): Promise<RestoreResult> {
  return restoreBackup(api, key, thisDevice(api, userId, io));
}

/**
 * Fills in the messages given by conversation and seq (history-share.ts, from a shared
 * archive by the SDK's historyOfArchive).
 */
export function fillHistory(
  api: ApiClient,
  userId: string,
  byConversation: HistoryByConversation,
  io: Io,
  result?: FillResult,
): Promise<FillResult> {
  return fillOnDevice(api, byConversation, thisDevice(api, userId, io), result);
}
