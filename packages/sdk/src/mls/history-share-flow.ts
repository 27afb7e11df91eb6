/**
 * Sharing history between a person's own devices, as an app does it (docs/E2EE.md,
 * "Sharing from a device"). The sending device gathers what it holds of the chosen
 * conversations, splits it into archives that fit a share, and seals each to a key
 * package of the target device claimed for it. The target takes what waits for it: each
 * share checked and opened (history-share.ts), its history handed to the app to keep, the
 * key package used forgotten (single use) and the share deleted from the server; a share
 * refused is deleted too, and said.
 */
import {
  HISTORY_SHARE_MAX_BYTES,
  type HistoryArchive,
  type HistoryShareEntry,
  type SharedMessage,
} from "@private-chat/protocol/history-shares";
import type { ApiClient } from "../rest.js";
import type { KeptMessages } from "./chat-state.js";
import type { DeviceKeys } from "./device.js";
import {
  HistoryShareRefused,
  type ListedDevice,
  openHistoryShare,
  sealHistoryShare,
} from "./history-share.js";
import { type DeviceStore, fromBase64Url, type RegisteredDevice } from "./register.js";

/** Room for the GCM nonce and tag, and base64url's growth on the way (3 bytes in 4). */
const ARCHIVE_BUDGET = HISTORY_SHARE_MAX_BYTES - 64;
const encoder = new TextEncoder();

/** The messages of `kept` worth sharing: those opened or sent here, with their text. */
export function sharedMessages(kept: KeptMessages): Record<string, SharedMessage> {
  const out: Record<string, SharedMessage> = {};
  for (const [seq, message] of Object.entries(kept)) if ("text" in message) out[seq] = message;
  return out;
}

/**
 * Archives of the conversations' messages, each small enough for one share: a
 * conversation too large for one is split across several, in seq order.
 */
export function archivesOf(
  conversations: Record<string, Record<string, SharedMessage>>,
  budget = ARCHIVE_BUDGET,
): HistoryArchive[] {
  const archives: HistoryArchive[] = [];
  let current: HistoryArchive = { v: 1, conversations: {} };
  // Sizes are added up entry by entry rather than encoding the archive again each time.
  const empty = encoder.encode(JSON.stringify(current)).length;
  let size = empty;
  const flush = () => {
    if (Object.keys(current.conversations).length > 0) archives.push(current);
    current = { v: 1, conversations: {} };
    size = empty;
  };
  for (const [conversationId, messages] of Object.entries(conversations)) {
    const seqs = Object.keys(messages).sort((a, b) => Number(a) - Number(b));
    const head = encoder.encode(`${JSON.stringify(conversationId)}:{},`).length;
    for (const seq of seqs) {
      const message = messages[seq] as SharedMessage;
      const entry = encoder.encode(`${JSON.stringify(seq)}:${JSON.stringify(message)},`).length;
      if (empty + head + entry > budget)
        throw new RangeError(`message ${seq} is too large to share`);
      const open = current.conversations[conversationId] !== undefined;
      if (size + entry + (open ? 0 : head) > budget) flush();
      const into = current.conversations[conversationId] ?? {};
      if (!current.conversations[conversationId]) size += head;
      into[seq] = message;
      current.conversations[conversationId] = into;
      size += entry;
    }
  }
  flush();
  return archives;
}

export interface SharedResult {
  shares: number;
  conversations: number;
  messages: number;
}

/**
 * Shares `conversations` (by id, the messages this device holds) with the person's device
 * `toDeviceId`: one key package claimed for each archive, each archive sealed to it and
 * signed by `sender`. The target device must be one of the person's own, listed with its
 * key by the server.
 */
export async function shareHistory(
  api: Pick<ApiClient, "devices" | "historyShares">,
  sender: DeviceKeys,
  toDeviceId: string,
  conversations: Record<string, KeptMessages>,
): Promise<SharedResult> {
  const target = (await api.devices.list()).find((d) => d.id === toDeviceId);
  if (!target) throw new HistoryShareRefused(`no device of yours has the id ${toDeviceId}`);
  if (target.id === sender.deviceId)
    throw new HistoryShareRefused("a device cannot share history with itself");
  const shared: Record<string, Record<string, SharedMessage>> = {};
  let messages = 0;
  for (const [id, kept] of Object.entries(conversations)) {
    const picked = sharedMessages(kept);
    const count = Object.keys(picked).length;
    if (count === 0) continue;
    shared[id] = picked;
    messages += count;
  }
  const archives = archivesOf(shared);
  for (const archive of archives) {
    const [claimed] = await api.devices.claimKeyPackages(sender.userId, target.id);
    if (!claimed)
      throw new HistoryShareRefused(
        `your device ${target.id} has no key package left to seal to: start it once to make more`,
      );
    const body = await sealHistoryShare(
      sender,
      target,
      fromBase64Url(claimed.key_package),
      archive,
    );
    await api.historyShares.create(target.id, body);
  }
  return { shares: archives.length, conversations: Object.keys(shared).length, messages };
}

/** What became of one share taken: the history it held, or why it was refused. */
export type TakenShare = HistoryShareEntry &
  ({ archive: HistoryArchive; refused?: undefined } | { refused: string; archive?: undefined });

/**
 * Takes every share waiting for the device kept in `store`: each opened is handed to
 * `keep` (which stores its history), then its key package is forgotten and the share
 * deleted; one refused is deleted and said. The caller holds its store's lock throughout,
 * as for `topUpKeyPackages`.
 */
export async function takeHistoryShares(
  api: Pick<ApiClient, "devices" | "historyShares">,
  store: DeviceStore,
  keep: (archive: HistoryArchive, share: HistoryShareEntry) => Promise<void>,
): Promise<TakenShare[]> {
  let device = await store.load();
  if (!device) return [];
  const deviceId = device.keys.deviceId;
  const waiting = await api.historyShares.list(deviceId);
  if (waiting.length === 0) return [];
  const own: ListedDevice[] = await api.devices.list();
  const taken: TakenShare[] = [];
  for (const entry of waiting) {
    const share = await api.historyShares.get(deviceId, entry.id);
    let opened: Awaited<ReturnType<typeof openHistoryShare>>;
    try {
      opened = await openHistoryShare(device, share, own);
    } catch (err) {
      if (!(err instanceof HistoryShareRefused)) throw err;
      await api.historyShares.remove(deviceId, entry.id);
      taken.push({ ...entry, refused: err.message });
      continue;
    }
    await keep(opened.archive, entry);
    device = withoutPackage(device, opened.held);
    await store.save(device);
    await api.historyShares.remove(deviceId, entry.id);
    taken.push({ ...entry, archive: opened.archive });
  }
  return taken;
}

/**
 * The device without a package a share used: its private init key opened the share, and
 * is not kept for another. The last-resort package (held[0]) stays: the server hands it
 * out again, to whoever adds the device once its pool is empty.
 */
function withoutPackage(device: RegisteredDevice, used: RegisteredDevice["held"][number]) {
  if (device.held[0] === used) return device;
  return { ...device, held: device.held.filter((held) => held !== used) };
}
