/**
 * What a member may see across periods of membership; the one place the rule is written.
 * A member sees what happened while they belonged: everything since they last joined
 * (seq above joined_seq, event id above joined_cursor) and whatever happened during an
 * earlier period, in (joined, left], when they left or were removed and were added
 * again. Never what was said while they were away. History, replies, files, search and
 * sync all ask here, in code or in SQL.
 */
import { type RawBuilder, type SqlBool, sql } from "kysely";
import type { ConversationStore, Member, Period } from "./conversations.js";

/** Seqs in (after, through]. */
export interface SeqRange {
  after: number;
  through: number;
}

/** The seqs one member may read in one conversation. */
export interface SeqWindow {
  /** Every seq above this (the current period)... */
  minSeq: number;
  /** ...and those inside one of these earlier periods. */
  earlier?: SeqRange[];
}

export function seqWindow(self: Pick<Member, "joined_seq">, periods: Period[]): SeqWindow {
  return {
    minSeq: Number(self.joined_seq),
    earlier: periods.map((p) => ({ after: p.joinedSeq, through: p.leftSeq })),
  };
}

export function windowHolds(window: SeqWindow, seq: number): boolean {
  if (seq > window.minSeq) return true;
  return (window.earlier ?? []).some((p) => seq > p.after && seq <= p.through);
}

/** True when `seq` falls in a period `self` (a current member) belonged to the conversation. */
export async function memberSees(
  conversations: ConversationStore,
  self: Member,
  seq: number,
): Promise<boolean> {
  // The current period answers most questions without reading the earlier ones.
  if (seq > Number(self.joined_seq)) return true;
  const periods = await conversations.earlierPeriods(self.conversation_id, self.user_id);
  return windowHolds(seqWindow(self, periods), seq);
}

/** SQL: the column `seq` lies inside a window already loaded. */
export function seqInWindow(seq: string, window: SeqWindow): RawBuilder<SqlBool> {
  const column = sql.ref(seq);
  const ranges = (window.earlier ?? []).map(
    (r) => sql`(${column} > ${r.after} and ${column} <= ${r.through})`,
  );
  return sql<SqlBool>`(${sql.join([sql`${column} > ${window.minSeq}`, ...ranges], sql` or `)})`;
}

/**
 * SQL: the `value` (a message's seq, or an event's id with measure "cursor") lies inside
 * a period of the member whose `conversation_members` row is aliased `member`.
 */
export function insideMembership(
  measure: "seq" | "cursor",
  value: string,
  member: string,
): RawBuilder<SqlBool> {
  const v = sql.ref(value);
  const joined = sql.ref(`joined_${measure}`);
  const left = sql.ref(`left_${measure}`);
  return sql<SqlBool>`(${v} > ${sql.ref(`${member}.joined_${measure}`)} or exists (
    select 1 from membership_periods p
    where p.conversation_id = ${sql.ref(`${member}.conversation_id`)}
      and p.user_id = ${sql.ref(`${member}.user_id`)}
      and ${v} > p.${joined} and ${v} <= p.${left}))`;
}
