/**
 * Restoring the key backup on this installation (docs/E2EE.md, "History on a new
 * device"): the SDK's restoreBackup, as in the web app, over this installation's files.
 * Every chunk is opened under the backup key, each conversation brought up to date on
 * this device (joined, when a member's device added it), and the messages it could not
 * read filled in, those the server still holds alone.
 */
import type { ApiClient } from "@private-chat/sdk";
import { type RestoreResult, restoreBackup } from "@private-chat/sdk/mls";
import { encryptedChat } from "./encrypted-chat.js";
import { fileStates } from "./encrypted-store.js";
import type { Io } from "./io.js";

export type { RestoreResult };

export function restoreHistory(
  api: ApiClient,
  userId: string,
  key: Uint8Array,
  io: Io,
): Promise<RestoreResult> {
  return restoreBackup(api, key, {
    async chatOf(conversation) {
      const chat = await encryptedChat(api, userId, conversation, io);
      return { read: (messages) => chat.reveal(messages) };
    },
    states: fileStates(userId),
  });
}
