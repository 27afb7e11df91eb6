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
import { type Change, EncryptedGroup, GroupRefusal } from "./group.js";
import { fromBase64Url, type RegisteredDevice, toBase64Url } from "./register.js";

const CLAIMS_AT_ONCE = 8;

/** The client_id of the commit that sets a conversation's group up: a second one is refused. */
export const SETUP_CLIENT_ID = "setup";

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
  return { conversation, ...(await setUpEncrypted(api, device, conversation)) };
}

/**
 * Makes the group of an encrypted conversation whose first commit nobody has made yet
 * (`mls_epoch` 0), and commits the other members' devices into it. Without `setup`, none
 * of them has a device yet and the server holds nothing of the group: another member's
 * device may still set it up first.
 */
export async function setUpEncrypted(
  api: ApiClient,
  device: RegisteredDevice,
  conversation: ConversationView,
  beforeSend?: SendChangeOptions["beforeSend"],
): Promise<{ group: EncryptedGroup; setup?: MessageView }> {
  // held[0] is the last-resort package others may claim; the group starts from the next.
  const own = (device.held[1] ?? device.held[0]) as HeldKeyPackage;
  const group = await EncryptedGroup.create(device.keys, conversation.id, own);
  const others = conversation.members
    .map((m) => m.user.id)
    .filter((id) => id !== device.keys.userId);
  const added = await addDevices(api, conversation.id, group, others, {
    clientId: SETUP_CLIENT_ID,
    ...(beforeSend ? { beforeSend } : {}),
  });
  return { group, ...(added ? { setup: added.message } : {}) };
}

/**
 * Whose devices a commit adds: all of a person's, or only some (a person whose other
 * devices the group holds already).
 */
export type Joining = string | { userId: string; deviceIds: string[] };

/**
 * Claims a key package for every device of each of `joining` (or the devices named), and
 * sends the commit adding them with its welcome; resolves once the server took it and the group moved to the next
 * epoch, or undefined when none of them has a device. When another member's commit took
 * the epoch first, the server's `epoch_conflict` is thrown: apply that commit (which
 * drops this one) and call again.
 */
export async function addDevices(
  api: ApiClient,
  conversationId: string,
  group: EncryptedGroup,
  joining: Joining[],
  options: SendChangeOptions = {},
): Promise<{ message: MessageView; change: Change } | undefined> {
  const claims = joining.flatMap((j) =>
    typeof j === "string"
      ? [() => api.devices.claimKeyPackages(j)]
      : j.deviceIds.map((d) => () => api.devices.claimKeyPackages(j.userId, d)),
  );
  const claimed = [];
  // A few claims at a time: a group of 200 is set up in seconds, and the server's claim
  // budget (200 at once) is not spent in one burst.
  for (let i = 0; i < claims.length; i += CLAIMS_AT_ONCE) {
    const batch = claims.slice(i, i + CLAIMS_AT_ONCE);
    for (const packages of await Promise.all(batch.map((claim) => claim())))
      claimed.push(...packages);
  }
  if (claimed.length === 0) return undefined;
  const change = await group.add(claimed.map((c) => fromBase64Url(c.key_package)));
  await options.beforeSend?.(group, change);
  return {
    message: await sendChange(api, conversationId, group, change, options.clientId),
    change,
  };
}

export interface SendChangeOptions {
  /** Makes a retry safe: the server answers a send again with the message it stored. */
  clientId?: string;
  /**
   * Runs once the commit is made, before it leaves: a device that keeps its state saves
   * it here with the pending commit (`savePending`), so that stopping before the commit
   * comes back never leaves it unable to recognise the commit as its own.
   */
  beforeSend?: (group: EncryptedGroup, change: Change) => void | Promise<void>;
}

/**
 * Sends the group's pending commit (`change`, with its welcome) and applies it once the
 * server took it. Sending one again with the same `clientId` is safe. When another
 * member's commit took the epoch first, the server's `epoch_conflict` is thrown.
 */
export async function sendChange(
  api: ApiClient,
  conversationId: string,
  group: EncryptedGroup,
  change: Pick<Change, "commit" | "welcome">,
  clientId?: string,
): Promise<MessageView> {
  const body = toBase64Url(change.commit);
  const message = await api.sendMessage(conversationId, {
    body,
    mls: change.welcome ? { welcome: toBase64Url(change.welcome) } : {},
    ...(clientId === undefined ? {} : { client_id: clientId }),
  });
  // `clientId` used before answers with the message stored then: not this commit.
  if (message.body !== body) {
    group.dropPending();
    throw new GroupRefusal("change_pending", `client_id ${clientId} was another change's`);
  }
  await group.receive(change.commit);
  return message;
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
  return (await joinLatestWelcome(api, conversationId, device)).group;
}

/**
 * `joinFromHistory`, with the `seq` of the message that carried the welcome: the group's
 * state is as of that message, so a device applies the history after it. Pages back from
 * the newest message and stops at the first welcome that opens, so a device added
 * recently reads only the recent history.
 */
export async function joinLatestWelcome(
  api: ApiClient,
  conversationId: string,
  device: RegisteredDevice,
): Promise<{ group: EncryptedGroup; seq: number }> {
  let page = await api.history(conversationId, { limit: 100 });
  while (page.length > 0) {
    for (const message of [...page].reverse()) {
      if (!message.mls?.welcome) continue;
      try {
        const welcome = fromBase64Url(message.mls.welcome);
        return {
          group: await EncryptedGroup.join(device.keys, welcome, device.held),
          seq: message.seq,
        };
      } catch {
        // A welcome for other devices: an earlier one may be this device's.
      }
    }
    page = await api.history(conversationId, { before: (page[0] as MessageView).seq, limit: 100 });
  }
  throw new GroupRefusal(
    "no_welcome",
    "no welcome in this conversation's history is for this device",
  );
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
