/**
 * Verifying people on this browser's device (docs/E2EE.md#verification): the safety
 * number with one of them, by the SDK's function as the terminal client's `verify` makes
 * it, so both apps show the same digits for the same pair; and where each member of a
 * conversation stands, by the SDK's rule that a verification holds only for the devices
 * compared. Loaded on demand: it brings the SDK's MLS layer (and its SHA-512) with it.
 */
import type { PublicDeviceView } from "@private-chat/sdk";
import {
  deviceKeys,
  partyOf,
  safetyNumber,
  safetyNumberLines,
  type VerificationState,
  verificationState,
} from "@private-chat/sdk/mls";
import { api } from "../api.js";
import { keepVerified, verifiedContacts } from "./browser-db.js";

/** Where a member stands; `none` when they have no device for encrypted chats. */
export type MemberMark = VerificationState | "none";

/** What the dialog shows and, once the numbers matched, marks verified. */
export interface Comparison {
  digits: string;
  /** The digits in groups of five, four groups a line, as `chat-client verify` shows them. */
  lines: string[];
  theirs: PublicDeviceView[];
  /** Their devices that were verified before, by signature key. */
  verifiedBefore: string[];
}

/** At most this many members' devices asked at once: a group holds up to 200. */
const AT_ONCE = 6;

/** The safety number of `userId` (this browser's account) with `contactId`. */
export async function compareWith(userId: string, contactId: string): Promise<Comparison> {
  const [mine, theirs, verified] = await Promise.all([
    api.devices.ofUser(userId),
    api.devices.ofUser(contactId),
    verifiedContacts(userId),
  ]);
  if (theirs.length === 0) throw new Error("they have no device for encrypted chats yet");
  const digits = safetyNumber(partyOf(userId, mine), partyOf(contactId, theirs));
  return {
    digits,
    lines: safetyNumberLines(digits),
    theirs,
    verifiedBefore: verified.get(contactId)?.keys ?? [],
  };
}

/** After the numbers matched: the devices the number was made over are verified. */
export async function markVerified(
  userId: string,
  contactId: string,
  compared: Comparison,
): Promise<void> {
  await keepVerified({
    user_id: userId,
    contact_id: contactId,
    keys: deviceKeys(compared.theirs),
    verified_at: Date.now(),
  });
}

/** Where each of `contactIds` stands for this browser's device, by their devices now. */
export async function memberMarks(
  userId: string,
  contactIds: readonly string[],
): Promise<Record<string, MemberMark>> {
  const verified = await verifiedContacts(userId);
  const marks: Record<string, MemberMark> = {};
  const queue = [...contactIds];
  const worker = async () => {
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
      const keys = deviceKeys(await api.devices.ofUser(id));
      const before = verified.get(id)?.keys ?? [];
      // Verified once and every device gone since is a change too, told as one.
      marks[id] =
        keys.length === 0 && before.length === 0 ? "none" : verificationState(before, keys);
    }
  };
  await Promise.all(Array.from({ length: Math.min(AT_ONCE, queue.length) }, worker));
  return marks;
}
