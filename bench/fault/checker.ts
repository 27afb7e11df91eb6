/**
 * The verdict of a fault run, from what the clients recorded and what PostgreSQL holds:
 * (a) every acked message stored exactly once, (b) delivered to every other member's
 * client exactly once, (c) no duplicates by message id or by (sender, client_id), (d) each
 * conversation seen in one order by every client. Unacked sends are not losses; they are
 * counted apart, as are re-sends.
 */
import type { ClientStats } from "./clients.js";

/** What the checker needs of a client: what it sent and what it received. */
export type ClientRecord = Pick<ClientStats, "userId" | "received" | "sends" | "transmissions">;

export interface StoredRow {
  id: string;
  conversation_id: string;
  seq: number;
  sender_id: string;
  client_id: string | null;
}

export interface Verdict {
  sent: number;
  acked: number;
  /** Sends never acked (given up at the time limit, or refused for good). */
  failed: number;
  /** message.send frames written beyond the first for the same client_id. */
  retries: number;
  stored: number;
  /** Acked messages missing from the database. */
  lost_stored: number;
  /** Rows of ours that no ack reported (committed but the ack never came back). */
  stored_unacked: number;
  expected_deliveries: number;
  delivered: number;
  /** (member, acked message) pairs the member's client never received. */
  lost: number;
  duplicated: number;
  order_violations: number;
  problems: string[];
}

const pairKey = (sender: string, clientId: string | null) => `${sender}\u0000${clientId ?? ""}`;

function countDuplicateRows(rows: StoredRow[], problems: string[]): number {
  let duplicated = 0;
  const bySendKey = new Map<string, string>();
  const bySeq = new Map<string, string>();
  for (const row of rows) {
    if (row.client_id !== null) {
      const key = pairKey(row.sender_id, row.client_id);
      const other = bySendKey.get(key);
      if (other) {
        duplicated += 1;
        problems.push(`stored twice: client_id ${row.client_id} as ${other} and ${row.id}`);
      }
      bySendKey.set(key, row.id);
    }
    const seqKey = `${row.conversation_id}/${row.seq}`;
    const holder = bySeq.get(seqKey);
    if (holder) problems.push(`seq ${seqKey} held by ${holder} and ${row.id}`);
    bySeq.set(seqKey, row.id);
  }
  return duplicated;
}

export function check(
  clients: readonly ClientRecord[],
  members: Map<string, readonly string[]>,
  rows: StoredRow[],
): Verdict {
  const problems: string[] = [];
  const note = (text: string) => {
    if (problems.length < 50) problems.push(text);
  };
  const rowById = new Map(rows.map((r) => [r.id, r]));
  let duplicated = countDuplicateRows(rows, problems);

  // (a) acked -> stored exactly once, with what the ack said.
  const acked = new Map<string, { senderId: string; conversationId: string; seq: number }>();
  let sent = 0;
  let failed = 0;
  let retries = 0;
  let lostStored = 0;
  for (const client of clients) {
    for (const count of client.transmissions.values()) retries += Math.max(0, count - 1);
    for (const send of client.sends) {
      sent += 1;
      const message = send.message;
      if (!message) {
        failed += 1;
        continue;
      }
      if (acked.has(message.id)) {
        duplicated += 1;
        note(`two sends acked with one message id ${message.id}`);
      }
      acked.set(message.id, {
        senderId: client.userId,
        conversationId: send.conversationId,
        seq: message.seq,
      });
      const row = rowById.get(message.id);
      if (!row) {
        lostStored += 1;
        note(`acked ${message.id} (client_id ${send.clientId}) is not in the database`);
      } else if (row.seq !== message.seq || row.client_id !== send.clientId) {
        note(`ack of ${send.clientId} says seq ${message.seq}, the database ${row.seq}`);
      }
    }
  }
  const storedUnacked = rows.filter((r) => !acked.has(r.id)).length;

  // (b), (c), (d) per client.
  let expected = 0;
  let delivered = 0;
  let lost = 0;
  let orderViolations = 0;
  for (const client of clients) {
    const counts = new Map<string, number>();
    const lastSeq = new Map<string, number>();
    for (const got of client.received) {
      counts.set(got.messageId, (counts.get(got.messageId) ?? 0) + 1);
      const row = rowById.get(got.messageId);
      if (!row) note(`${client.userId} received ${got.messageId}, which is not stored`);
      else if (row.seq !== got.seq) {
        orderViolations += 1;
        note(`${client.userId} saw ${got.messageId} at seq ${got.seq}, stored at ${row.seq}`);
      }
      const previous = lastSeq.get(got.conversationId) ?? -1;
      if (got.seq <= previous) {
        orderViolations += 1;
        note(`${client.userId} saw seq ${got.seq} after ${previous} in ${got.conversationId}`);
      }
      lastSeq.set(got.conversationId, Math.max(previous, got.seq));
    }
    for (const [messageId, count] of counts) {
      if (count > 1) {
        duplicated += count - 1;
        note(`${client.userId} received ${messageId} ${count} times`);
      }
    }
    for (const [messageId, info] of acked) {
      if (info.senderId === client.userId) continue; // the ack is the sender's copy
      if (!members.get(info.conversationId)?.includes(client.userId)) continue;
      expected += 1;
      if (counts.has(messageId)) delivered += 1;
      else {
        lost += 1;
        note(`${client.userId} never received ${messageId} (seq ${info.seq})`);
      }
    }
  }
  return {
    sent,
    acked: acked.size,
    failed,
    retries,
    stored: rows.length,
    lost_stored: lostStored,
    stored_unacked: storedUnacked,
    expected_deliveries: expected,
    delivered,
    lost,
    duplicated,
    order_violations: orderViolations,
    problems,
  };
}

/** Whether the run broke a guarantee: (a) to (d). Failed sends and re-sends do not count. */
export function violated(verdict: Verdict): boolean {
  return (
    verdict.lost_stored > 0 ||
    verdict.lost > 0 ||
    verdict.duplicated > 0 ||
    verdict.order_violations > 0 ||
    verdict.problems.some((p) => p.startsWith("seq "))
  );
}
