/**
 * History shared between this person's own devices (docs/E2EE.md, "Sharing from a
 * device"), from this installation or to it. Sharing reads what this device holds of the
 * chosen encrypted conversations (all it keeps, when none are named) and leaves it sealed
 * for the other device (the SDK's shareHistory). Receiving takes every share waiting for
 * this device (the SDK's takeHistoryShares) under the key file's lock, since a share's key
 * package is forgotten once used, and fills in the messages as a key backup's restore
 * does (history-restore.ts).
 */
import type { ApiClient } from "@private-chat/sdk";
import {
  HistoryShareRefused,
  historyOfArchive,
  type SharedResult,
  shareHistory,
  type TakenShare,
  takeHistoryShares,
} from "@private-chat/sdk/mls";
import { devicePath, loadOwnDevice, saveOwnDevice } from "./device-file.js";
import { keptConversations, readKept, withLockFile } from "./encrypted-store.js";
import { CliError } from "./errors.js";
import { type FillResult, fillHistory } from "./history-restore.js";
import type { Io } from "./io.js";

function thisDevice(userId: string) {
  const device = loadOwnDevice(userId);
  if (!device)
    throw new CliError(
      "no_device",
      "this installation is not one of your devices: chat-client devices add makes it one",
    );
  return device;
}

/**
 * Leaves the history this device holds of `conversationIds` (every encrypted conversation
 * it keeps, when undefined) for the person's device `toDeviceId`.
 */
export async function shareFromHere(
  api: ApiClient,
  userId: string,
  toDeviceId: string,
  conversationIds: readonly string[] | undefined,
): Promise<SharedResult> {
  const device = thisDevice(userId);
  const conversations: Record<string, Awaited<ReturnType<typeof readKept>>["messages"]> = {};
  for (const id of conversationIds ?? keptConversations(userId))
    conversations[id] = (await readKept(userId, id, undefined)).messages;
  try {
    return await shareHistory(api, device.keys, toDeviceId, conversations);
  } catch (err) {
    if (err instanceof HistoryShareRefused) throw new CliError("refused", err.message);
    throw err;
  }
}

export interface ReceivedHistory extends FillResult {
  /** Every share taken: what it held, or why it was refused (and deleted). */
  shares: TakenShare[];
}

/** Takes every share waiting for this device and fills in the history they hold. */
export async function receiveHere(
  api: ApiClient,
  userId: string,
  io: Io,
): Promise<ReceivedHistory> {
  thisDevice(userId);
  const filled: FillResult = { conversations: 0, messages: 0, skipped: {} };
  const shares = await withLockFile(`${devicePath(userId)}.lock`, () =>
    takeHistoryShares(
      api,
      { load: () => loadOwnDevice(userId), save: saveOwnDevice },
      async (archive) => {
        await fillHistory(api, userId, historyOfArchive(archive), io, filled);
      },
    ),
  );
  return { ...filled, shares };
}
