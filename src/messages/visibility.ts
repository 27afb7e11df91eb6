/**
 * Which messages a member may read: those of their current period of membership and of
 * any earlier one, never those sent while they were away.
 */
import type { Member, Period } from "../storage/conversations.js";
import type { SeqRange } from "../storage/messages.js";
import type { Repositories } from "../storage/store.js";

export function earlierRanges(periods: Period[]): SeqRange[] {
  return periods.map((p) => ({ after: p.joinedSeq, through: p.leftSeq }));
}

/** True when `seq` falls in a period `self` (a current member) belonged to the conversation. */
export async function memberSees(tx: Repositories, self: Member, seq: number): Promise<boolean> {
  if (seq > Number(self.joined_seq)) return true;
  const periods = await tx.conversations.earlierPeriods(self.conversation_id, self.user_id);
  return periods.some((p) => seq > p.joinedSeq && seq <= p.leftSeq);
}
