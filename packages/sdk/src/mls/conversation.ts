/**
 * An encrypted conversation's steps as an app takes them through the server
 * (docs/E2EE.md): starting one with its MLS group, adding people's devices with one
 * commit and its welcome, joining from a welcome in the history, and sending a message.
 * Each step sends its MLS message and applies it once the server has taken it, so the
 * same message coming back on the socket is this device's own and is skipped.
 */
import type {
  ConversationView,
  CreateConversationBody,
  MessageView,
} from "@private-chat/protocol/chat";
import type { ApiClient } from "../rest.js";
import type { HeldKeyPackage } from "./device.js";
import { type Change, EncryptedGroup } from "./group.js";
import { fromBase64Url, type RegisteredDevice, toBase64Url } from "./register.js";

const CLAIMS_AT_ONCE = 8;

export interface StartedEncrypted {
  conversation: ConversationView;
  group: EncryptedGroup;
  /** The commit that added the other members' devices; none when nobody else has one. */
  setup?: MessageView;
}

/**
 * Creates an encrypted conversation and its group on `device`, and adds the devices of
 * every other member (claimed from the server), in one commit whose welcome they join
 * from. `start` is what `createConversation` takes; it is made `encrypted` here. Members
 * without a device yet are added later with `addDevices`.
 */
export async function startEncrypted(
  api: ApiClient,
  device: RegisteredDevice,
  start: CreateConversationBody,
): Promise<StartedEncrypted> {
  const conversation = await api.createConversation({ ...start, encrypted: true });
  // held[0] is the last-resort package others may claim; the group starts from the next.
  const own = (device.held[1] ?? device.held[0]) as HeldKeyPackage;
  const group = await EncryptedGroup.create(device.keys, conversation.id, own);
  const others = start.member_ids.filter((id) => id !== device.keys.userId);
  const added = await addDevices(api, conversation.id, group, others, "setup");
  return { conversation, group, ...(added ? { setup: added.message } : {}) };
}

/**
 * Claims a key package for every device of each of `userIds`, and sends the commit adding
 * them with its welcome; resolves once the server took it and the group moved to the next
 * epoch, or undefined when none of them has a device. When another member's commit took
 * the epoch first, the server's `epoch_conflict` is thrown: apply that commit (which
 * drops this one) and call again.
 */
export async function addDevices(
  api: ApiClient,
  conversationId: string,
  group: EncryptedGroup,
  userIds: string[],
  clientId?: string,
): Promise<{ message: MessageView; change: Change } | undefined> {
  const claimed = [];
  // A few claims at a time: a group of 200 is set up in seconds, and the server's claim
  // budget (200 at once) is not spent in one burst.
  for (let i = 0; i < userIds.length; i += CLAIMS_AT_ONCE) {
    const batch = userIds.slice(i, i + CLAIMS_AT_ONCE);
    for (const packages of await Promise.all(batch.map((u) => api.devices.claimKeyPackages(u))))
      claimed.push(...packages);
  }
  if (claimed.length === 0) return undefined;
  const change = await group.add(claimed.map((c) => fromBase64Url(c.key_package)));
  const message = await api.sendMessage(conversationId, {
    body: toBase64Url(change.commit),
    mls: change.welcome ? { welcome: toBase64Url(change.welcome) } : {},
    ...(clientId === undefined ? {} : { client_id: clientId }),
  });
  await group.receive(change.commit);
  return { message, change };
}

/**
 * Joins from the latest welcome in the conversation's history made for this device (one
 * added, removed and added again joins where it was last added).
 */
export async function joinFromHistory(
  api: ApiClient,
  conversationId: string,
  device: RegisteredDevice,
): Promise<EncryptedGroup> {
  const welcomes: string[] = [];
  for (let after = 0; ; ) {
    const page = await api.history(conversationId, { after, limit: 100 });
    for (const message of page) if (message.mls?.welcome) welcomes.push(message.mls.welcome);
    const last = page.at(-1);
    if (!last) break;
    after = last.seq;
  }
  for (const welcome of welcomes.reverse()) {
    try {
      return await EncryptedGroup.join(device.keys, fromBase64Url(welcome), device.held);
    } catch {
      // A welcome for other devices: an earlier one may be this device's.
    }
  }
  throw new Error("no welcome in this conversation's history is for this device");
}

/** Encrypts `text` in the group and sends it; `clientId` makes a retry safe. */
export async function sendEncrypted(
  api: ApiClient,
  conversationId: string,
  group: EncryptedGroup,
  text: string | Uint8Array,
  clientId?: string,
): Promise<MessageView> {
  const plaintext = typeof text === "string" ? new TextEncoder().encode(text) : text;
  return api.sendMessage(conversationId, {
    body: toBase64Url(await group.encrypt(plaintext)),
    mls: {},
    ...(clientId === undefined ? {} : { client_id: clientId }),
  });
}
