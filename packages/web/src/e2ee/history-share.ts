/**
 * History shared between the person's own devices (docs/E2EE.md, "Sharing from a
 * device"), from this browser's device or to it, with the SDK's steps as `chat-client
 * devices share-history` and `receive-history` run them (packages/client/src/
 * history-share.ts). Sharing reads what this device keeps of every encrypted
 * conversation (browser-db.ts) and leaves it sealed for the other device (the SDK's
 * shareHistory). Receiving takes every share waiting for this device (the SDK's
 * takeHistoryShares) under the device's Web Lock, since a share's key package is
 * forgotten once used, and fills in the messages as a key backup's restore does
 * (key-backup.ts). Loaded on demand (history-inbox.ts, Settings): it brings the SDK's MLS
 * layer with it.
 */
import {
  type FillResult,
  fillHistory,
  historyOfArchive,
  type KeptMessages,
  loadDevice,
  type SharedResult,
  saveDevice,
  shareHistory,
  type TakenShare,
  takeHistoryShares,
} from "@private-chat/sdk/mls";
import { api } from "../api.js";
import {
  browserStates,
  deviceLock,
  keepDevice,
  keptConversations,
  savedDevice,
} from "./browser-db.js";
import { openAgain } from "./preview.js";
import { chatOf, ownDevice } from "./reading.js";

export type { SharedResult, TakenShare };

/**
 * Leaves the history this browser's device holds of every encrypted conversation it
 * keeps for the person's device `toDeviceId`: how many shares, conversations and
 * messages (none when it holds no message to share).
 */
export async function shareFromThisBrowser(
  userId: string,
  toDeviceId: string,
): Promise<SharedResult> {
  const device = await ownDevice(userId);
  const states = browserStates(userId);
  const conversations: Record<string, KeptMessages> = {};
  // Read under each conversation's lock, as the key backup's upload reads them.
  for (const id of await keptConversations(userId))
    conversations[id] = await states.withState(id, async (saved) => ({
      state: undefined,
      result: saved?.messages ?? {},
    }));
  return shareHistory(api, device.keys, toDeviceId, conversations);
}

export interface ReceivedHistory extends FillResult {
  /** Every share taken: what it held, or why it was refused (and deleted). */
  shares: TakenShare[];
}

/**
 * Takes every share waiting for this browser's device and fills in the history they
 * hold; the messages filled in open again where they show.
 */
export async function receiveOnThisBrowser(userId: string): Promise<ReceivedHistory> {
  await ownDevice(userId);
  const filled: FillResult = { conversations: 0, messages: 0, skipped: {} };
  const target = {
    chatOf: (conversation: Parameters<typeof chatOf>[1]) => chatOf(userId, conversation),
    states: browserStates(userId),
  };
  // The device's lock, as for a top-up (this-browser.ts): the packages a share used are
  // forgotten from the device kept here, which no other tab saves over meanwhile.
  const shares = await navigator.locks.request(deviceLock(userId), () =>
    takeHistoryShares(
      api,
      {
        load: async () => {
          const saved = await savedDevice(userId);
          return saved && loadDevice(saved);
        },
        save: (device) => keepDevice(saveDevice(device)),
      },
      async (archive) => {
        await fillHistory(api, historyOfArchive(archive), target, filled);
      },
    ),
  );
  if (filled.messages > 0) openAgain();
  return { ...filled, shares };
}
