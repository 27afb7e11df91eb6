/**
 * What a device's removal tells its owner's encrypted conversations: a `device.removed`
 * event in each, so that the next member's device to act commits the device's removal
 * from the group (docs/E2EE.md, "Devices and key packages"). The server only tells; it
 * is no member of any group.
 */
import type { EventLog } from "../events/log.js";
import type { Repositories } from "../storage/store.js";

export async function announceRemovals(
  tx: Repositories,
  log: EventLog,
  userId: string,
  deviceIds: string[],
): Promise<void> {
  if (deviceIds.length === 0) return;
  for (const conversationId of await tx.mlsEpochs.encryptedOf(userId)) {
    for (const deviceId of deviceIds)
      await log.append({
        type: "device.removed",
        conversation_id: conversationId,
        user_id: userId,
        device_id: deviceId,
      });
  }
}
