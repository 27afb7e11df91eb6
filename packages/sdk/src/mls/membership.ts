/**
 * Keeps an encrypted conversation's MLS group in step with its membership on the server
 * (docs/E2EE.md): devices of people no longer in it, and devices removed from an account,
 * are removed, and the devices of people in it that the group lacks (all of a newcomer's,
 * or a member's new one) are added, each change one commit. This runs before
 * this device sends, and after `members add` or `members remove`, so nothing it sends
 * opens for someone who left, and someone added can read what follows.
 */
import type { PublicDeviceView } from "@private-chat/protocol/devices";
import { ApiError } from "../errors.js";
import { randomId } from "../ids.js";
import type { ApiClient } from "../rest.js";
import { addDevices, type Joining, sendChange } from "./conversation.js";
import { type Change, type EncryptedGroup, GroupRefusal } from "./group.js";
import type { DeviceName } from "./identity.js";

/** What the group's members lack or hold beyond the conversation's. */
export interface Difference {
  leaving: DeviceName[];
  joining: Joining[];
}

/** How long a member whose devices matched the group is not asked again. */
export const ASK_AGAIN_MS = 10 * 60_000;
/** The same for a member with no device in the group: a first device is waited for sooner. */
export const ASK_AGAIN_ABSENT_MS = 60_000;

/**
 * The devices to remove (of people who left, or removed from an account) and those to add
 * (every device of a member with none in the group; a member's devices the group lacks
 * beside ones it holds, claimed one by one). `checked` holds when each member's devices
 * last matched the group; it is updated here, so a large group costs one call per member
 * every ASK_AGAIN_MS (a minute for one with no device in it yet), not one per send.
 * `onListed` sees each device list asked for (an app tells of what changed).
 */
export async function membershipDifference(
  api: ApiClient,
  conversationId: string,
  group: EncryptedGroup,
  checked: Record<string, number>,
  onListed: (userId: string, devices: PublicDeviceView[]) => void = () => {},
  now = Date.now(),
): Promise<Difference> {
  const conversation = await api.conversation(conversationId);
  const memberIds = new Set(conversation.members.map((m) => m.user.id));
  const devices = group.members();
  // Whoever left is removed whatever the cache says.
  const leaving = devices.filter((d) => !memberIds.has(d.userId));
  const present = new Set(devices.map((d) => d.userId));
  const held = new Set(devices.map((d) => d.deviceId));
  const joining: Joining[] = [];
  for (const id of Object.keys(checked)) if (!memberIds.has(id)) delete checked[id];
  for (const id of memberIds) {
    const wait = present.has(id) ? ASK_AGAIN_MS : ASK_AGAIN_ABSENT_MS;
    if (now - (checked[id] ?? 0) < wait) continue;
    const listed = await devicesOf(api, id);
    if (listed === undefined) continue;
    onListed(id, listed);
    const ids = new Set(listed.map((d) => d.id));
    const gone = devices.filter((d) => d.userId === id && !ids.has(d.deviceId));
    leaving.push(...gone);
    const lacking = listed.filter((d) => !held.has(d.id)).map((d) => d.id);
    if (lacking.length > 0) joining.push(present.has(id) ? { userId: id, deviceIds: lacking } : id);
    // Asked again next time until the change is made.
    if (gone.length === 0 && lacking.length === 0) checked[id] = now;
  }
  return { leaving, joining };
}

/** A person's devices; undefined for an account that cannot be looked up (disabled). */
async function devicesOf(api: ApiClient, userId: string): Promise<PublicDeviceView[] | undefined> {
  try {
    return await api.devices.ofUser(userId);
  } catch (err) {
    if (err instanceof ApiError && err.code === "not_found") return undefined;
    throw err;
  }
}

/** Keeps the group with its pending commit, and the client_id it goes under, before it is sent. */
export type BeforeSend = (group: EncryptedGroup, change: Change, clientId: string) => void;

/**
 * Commits the removal of `leaving` devices, then the addition of `joining` people's
 * devices; the seqs of the commits the server took, which this device applied as it
 * sent them. Another member's commit taking the epoch first is the caller's to apply
 * (the server's `epoch_conflict`), after which it calls again.
 */
export async function commitDifference(
  api: ApiClient,
  conversationId: string,
  group: EncryptedGroup,
  { leaving, joining }: Difference,
  beforeSend: BeforeSend,
): Promise<number[]> {
  const taken: number[] = [];
  try {
    if (leaving.length > 0) {
      const change = await group.remove(leaving);
      const clientId = randomId();
      beforeSend(group, change, clientId);
      taken.push((await sendChange(api, conversationId, group, change, clientId)).seq);
    }
    if (joining.length > 0) {
      const clientId = randomId();
      const added = await addDevices(api, conversationId, group, joining, {
        clientId,
        beforeSend: (g, change) => beforeSend(g, change, clientId),
      });
      if (added) taken.push(added.message.seq);
    }
  } catch (err) {
    group.dropPending();
    if (err instanceof ApiError && err.code === "epoch_conflict") throw new EpochTaken(taken);
    throw err;
  }
  return taken;
}

/** Another member's commit took the epoch: apply it and try again; `taken` were ours before it. */
export class EpochTaken extends GroupRefusal {
  constructor(readonly taken: number[]) {
    super("change_pending", "another member changed the group first");
  }
}
