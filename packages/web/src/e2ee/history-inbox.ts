/**
 * History that another of the person's devices shared with this browser's device
 * (docs/E2EE.md, "Sharing from a device"), taken once the app knows it waits: when the
 * app starts signed in, when Settings lists the devices, and when the person asks
 * ("Receive history"). Light: the server is asked first whether anything waits (and
 * whether it still lists this device), and the MLS code (history-share.ts) loads only
 * then. What became of the shares taken last is
 * kept for Settings to say; at start, it is told as a notice too.
 */
import type { DeviceView } from "@private-chat/sdk";
import { api, errorText } from "../api.js";
import { plural } from "../format.js";
import { toast } from "../state/notices.js";
import { createStore } from "../state/store.js";
import { deviceSupported, savedDevice } from "./browser-db.js";
import type { ReceivedHistory } from "./history-share.js";

/** What the last look for shared history said, for the account it was about. */
export interface HistoryNews {
  userId: string;
  text: string;
  /** It failed: said as an error. */
  failed: boolean;
}

export const historyNews = createStore<HistoryNews | undefined>(undefined);

/** Why the look was made: the app starting, Settings opening, or the person asking. */
export type LookReason = "start" | "settings" | "asked";

/** The names of the devices that shared, as the server lists them (else their ids). */
function nameOf(devices: readonly DeviceView[]) {
  return (id: string) => devices.find((d) => d.id === id)?.name ?? id;
}

/** What the shares taken did, in a few sentences; undefined when none waited. */
export function receivedText(
  received: ReceivedHistory,
  devices: readonly DeviceView[],
): string | undefined {
  if (received.shares.length === 0) return undefined;
  const name = nameOf(devices);
  const said: string[] = [];
  const taken = received.shares.filter((s) => s.refused === undefined);
  if (taken.length > 0) {
    const from = [...new Set(taken.map((s) => name(s.from_device_id)))].join(", ");
    said.push(
      `Received history from ${from}: filled in ${plural(received.messages, "message")} of ${plural(received.conversations, "conversation")}.`,
    );
  }
  for (const share of received.shares)
    if (share.refused !== undefined)
      said.push(
        `A history share from ${name(share.from_device_id)} was refused and deleted: ${share.refused}.`,
      );
  const skipped = Object.values(received.skipped);
  if (skipped.length > 0)
    said.push(
      `${plural(skipped.length, "conversation")} could not be filled in (${[...new Set(skipped)].join("; ")}): once a member's device has added this browser there, share again from the other device.`,
    );
  return said.join(" ");
}

/** The look under way in this tab, which another waits for rather than start its own. */
let running: Promise<void> | undefined;

/**
 * Takes the history waiting for this browser's device, if it is one; resolves once
 * `historyNews` says what became of it. Looking at start or from Settings asks the
 * server first, and says nothing when nothing waited; at start the outcome is a notice
 * too. A failure at start is only logged; otherwise it is said in `historyNews`. A look
 * asked for while another is under way ends with it when that one said something, and
 * looks again after it otherwise.
 */
export async function receiveHistory(
  userId: string,
  why: LookReason,
  listed?: readonly DeviceView[],
): Promise<void> {
  while (running) {
    const before = historyNews.get();
    await running;
    if (why !== "asked" || historyNews.get() !== before) return;
  }
  const now = look(userId, why, listed).finally(() => {
    if (running === now) running = undefined;
  });
  running = now;
  await now;
}

/**
 * `listed`: the account's devices as the server just listed them (Settings), else asked
 * for: a device removed from elsewhere has no mailbox to look in (Settings forgets its
 * keys here).
 */
async function look(
  userId: string,
  why: LookReason,
  listed: readonly DeviceView[] | undefined,
): Promise<void> {
  const tell = (text: string) => {
    historyNews.set({ userId, text, failed: false });
    if (why === "start") toast(text);
  };
  try {
    if (!deviceSupported()) return;
    // A database that does not open holds no device: nothing to take, nothing to tell.
    const saved = await savedDevice(userId).catch(() => undefined);
    if (!saved) return;
    const devices = listed ?? (await api.devices.list());
    if (!devices.some((d) => d.id === saved.device_id)) return;
    // Most looks find nothing: the MLS code stays unloaded then.
    if (why !== "asked" && (await api.historyShares.list(saved.device_id)).length === 0) return;
    const { receiveOnThisBrowser } = await import("./history-share.js");
    const received = await receiveOnThisBrowser(userId);
    const text = receivedText(received, devices);
    if (text !== undefined) tell(text);
    else if (why === "asked") tell("No history waits for this browser.");
  } catch (err) {
    const text = `History shared from your other devices was not received: ${errorText(err)}`;
    // At start, only logged: Settings looks again when opened, and says it there.
    if (why === "start") console.warn(text);
    else historyNews.set({ userId, text, failed: true });
  }
}
