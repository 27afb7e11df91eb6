/**
 * The SDK's EncryptedChat on this browser's device, over the states it keeps in IndexedDB
 * (browser-db.ts): reading an encrypted conversation's messages and sending into it.
 */
import { type ConversationView, type MessageView, randomId } from "@private-chat/sdk";
import { EncryptedChat, loadDevice, type RegisteredDevice } from "@private-chat/sdk/mls";
import { api } from "../api.js";
import { browserStates, NoDeviceHere, savedDevice } from "./browser-db.js";
import type { Opened } from "./opened.js";

/** Read afresh each time: a pool made up since adds private keys that a welcome may need. */
async function ownDevice(userId: string): Promise<RegisteredDevice> {
  const saved = await savedDevice(userId);
  if (!saved) throw new NoDeviceHere("this browser is not one of your devices");
  return loadDevice(saved);
}

async function chatOf(userId: string, conv: ConversationView): Promise<EncryptedChat> {
  return new EncryptedChat(api, await ownDevice(userId), conv, browserStates(userId));
}

/** What this device reads of `messages`: the application messages', by message id. */
export async function readOnDevice(
  userId: string,
  conv: ConversationView,
  messages: MessageView[],
): Promise<[string, Opened][]> {
  const read = await (await chatOf(userId, conv)).read(messages);
  return read
    .filter(({ message }) => !message.deleted)
    .map(({ message, kept }): [string, Opened] => [
      message.id,
      kept && "text" in kept
        ? { text: kept.text }
        : {
            unreadable:
              kept && "refused" in kept ? kept.refused : "sent before this browser joined",
          },
    ]);
}

export async function sendOnDevice(
  userId: string,
  conv: ConversationView,
  text: string,
): Promise<MessageView> {
  return (await chatOf(userId, conv)).send(text, randomId());
}

/** Sets the group up on this device; false when nobody else has a device yet. */
export async function setUpOnDevice(userId: string, conv: ConversationView): Promise<boolean> {
  return (await chatOf(userId, conv)).setUp();
}
