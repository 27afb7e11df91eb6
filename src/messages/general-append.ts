/**
 * The general send path's answers to the append plan (storage/message-rules.ts): the same
 * steps as the engines' batch appenders, run through the repositories of one transaction,
 * plus what only the general path has: the reply target and the attachments are checked
 * before anything is written, a thread reply takes its place in the thread, attachments
 * are linked to the new row, and each mentioned member gets a `mention` event after the
 * message's own (a thread reply's `thread.updated` comes between).
 */

import type { MessageView, ThreadSummary } from "@private-chat/protocol/chat";
import { type PreparedAttachments, prepareAttachments } from "../attachments/link.js";
import { AppError } from "../errors.js";
import type { EventOrigin } from "../events/bus.js";
import type { EventLog } from "../events/log.js";
import { memberSees } from "../storage/membership-window.js";
import {
  type AppendRequest,
  type AsyncAppendEngine,
  type Checked,
  sendKey,
} from "../storage/message-rules.js";
import type { MessageRow } from "../storage/messages.js";
import type { Repositories } from "../storage/store.js";
import { findMentions } from "./mentions.js";
import { presentMessage } from "./present.js";
import { moveThreadRead } from "./thread-read.js";

/** What the general path knows of a request beyond the message itself. */
export interface GeneralSend {
  request: AppendRequest;
  attachmentIds: readonly string[] | undefined;
  origin: EventOrigin | undefined;
}

export interface GeneralEngine extends AsyncAppendEngine {
  /** The stored messages as sent back, attachments included, by row id. */
  readonly views: Map<string, MessageView>;
}

async function checkReply(tx: Repositories, request: AppendRequest): Promise<void> {
  if (!request.replyTo) return;
  const target = await tx.messages.byId(request.replyTo);
  const self = await tx.conversations.member(request.conversationId, request.senderId);
  if (
    !target ||
    !self ||
    target.conversation_id !== request.conversationId ||
    !(await memberSees(tx.conversations, self, target.seq))
  ) {
    throw new AppError("invalid_request", "reply_to names no message of this conversation");
  }
}

/**
 * The root of the thread a request posts in: the message it names, or that message's own
 * root when it names a reply. The root must be a message of the conversation the sender
 * may see.
 */
async function threadRoot(
  tx: Repositories,
  request: AppendRequest,
): Promise<MessageRow | undefined> {
  if (!request.threadId) return undefined;
  const named = await tx.messages.byId(request.threadId);
  const root = named?.thread_id ? await tx.messages.byId(named.thread_id) : named;
  const self = await tx.conversations.member(request.conversationId, request.senderId);
  if (
    !root ||
    !self ||
    root.conversation_id !== request.conversationId ||
    !(await memberSees(tx.conversations, self, root.seq))
  ) {
    throw new AppError("invalid_request", "thread_id names no message of this conversation");
  }
  return root;
}

/**
 * Holds an encrypted conversation's MLS message to the server's order of epochs: a commit
 * takes its epoch when it is the first for it (docs/E2EE.md: one commit per epoch); a
 * proposal must come from the current epoch, an application message from no later one.
 * Last of the checks, as it writes.
 */
async function checkEpoch(tx: Repositories, request: AppendRequest): Promise<void> {
  const mls = request.mls;
  if (!mls) return;
  const id = request.conversationId;
  // A commit is taken by its write alone, the epoch read only when it loses.
  if (mls.kind === "commit" && (await tx.mlsEpochs.takeCommit(id, mls.epoch))) return;
  const current = await tx.mlsEpochs.current(id);
  if (mls.kind === "application" && mls.epoch <= current) return;
  if (mls.kind === "proposal" && mls.epoch === current) return;
  throw new AppError(
    "epoch_conflict",
    mls.kind === "commit" && mls.epoch < current
      ? `another commit took epoch ${mls.epoch} first; the conversation is in epoch ${current}`
      : `the conversation is in epoch ${current}, this ${mls.kind} is from epoch ${mls.epoch}`,
    { epoch: current },
  );
}

export function generalEngine(
  tx: Repositories,
  log: EventLog,
  sends: GeneralSend[],
): GeneralEngine {
  const byRequest = new Map(sends.map((send) => [send.request, send]));
  const prepared = new Map<AppendRequest, PreparedAttachments>();
  const threads = new Map<AppendRequest, { summary: ThreadSummary; root: MessageRow }>();
  const views = new Map<string, MessageView>();
  return {
    views,

    async find(requests) {
      const members = new Set<string>();
      const earlier = new Map<string, MessageRow>();
      for (const { conversationId, senderId, clientId } of requests) {
        const who = sendKey(conversationId, senderId);
        if (!members.has(who)) {
          if (!(await tx.conversations.member(conversationId, senderId))) continue;
          members.add(who);
        }
        if (clientId === null) continue;
        const original = await tx.messages.byClientId(conversationId, senderId, clientId);
        if (original) earlier.set(sendKey(who, clientId), original);
      }
      return { members, earlier };
    },

    async check(requests, now) {
      const verdicts: Checked[] = [];
      for (const request of requests) {
        try {
          if (request.mls) {
            // Their ciphertext files, checked as a plain message's; the epoch last, as it writes.
            const files = await prepareAttachments(
              tx,
              request.conversationId,
              request.senderId,
              byRequest.get(request)?.attachmentIds,
            );
            await checkEpoch(tx, request);
            prepared.set(request, files);
            verdicts.push({ attachments: files.views });
            continue;
          }
          await checkReply(tx, request);
          const root = await threadRoot(tx, request);
          const files = await prepareAttachments(
            tx,
            request.conversationId,
            request.senderId,
            byRequest.get(request)?.attachmentIds,
          );
          prepared.set(request, files);
          if (!root) {
            verdicts.push({ attachments: files.views });
            continue;
          }
          // Last: nothing after this refuses, so the thread's places stay gapless.
          const place = await tx.threads.addReply(
            root.id,
            request.conversationId,
            request.senderId,
            now,
          );
          threads.set(request, { summary: place.summary, root });
          verdicts.push({
            attachments: files.views,
            thread: { rootId: root.id, seq: place.seq },
          });
        } catch (err) {
          // Refusals come before anything is written, so the batch stays sound.
          if (!(err instanceof AppError)) throw err;
          verdicts.push({ refused: err });
        }
      }
      return verdicts;
    },

    async reserve(counts, now) {
      const last = new Map<string, number>();
      for (const [id, n] of counts) last.set(id, await tx.conversations.allocateSeq(id, now, n));
      return last;
    },

    async write(rows, marks, payloads, _now, requests) {
      for (const [i, row] of rows.entries()) {
        await tx.messages.insert(row);
        const message = presentMessage(row);
        const files = requests[i] && prepared.get(requests[i]);
        const attachments = files ? await files.link(row.id) : undefined;
        if (attachments && attachments.length > 0) message.attachments = attachments;
        views.set(row.id, message);
      }
      for (const m of marks) await tx.conversations.moveReadTo(m.conversationId, m.userId, m.seq);
      const cursors: number[] = [];
      for (const [i, row] of rows.entries()) {
        const origin = requests[i] && byRequest.get(requests[i])?.origin;
        const message = views.get(row.id) as MessageView;
        cursors.push(
          await log.append(
            { type: "message.new", conversation_id: row.conversation_id, message },
            { origin },
            payloads[i],
          ),
        );
        const thread = requests[i] && threads.get(requests[i]);
        if (thread && row.thread_id) await logReply(tx, log, row, thread);
        await logMentions(tx, log, row);
      }
      return cursors;
    },
  };
}

/**
 * A thread reply's consequences: the new summary for every member, the root's author
 * follows the thread (unless they chose not to), the replier follows it and has read it
 * up to their own reply (their devices hear of both).
 */
async function logReply(
  tx: Repositories,
  log: EventLog,
  row: MessageRow,
  { summary, root }: { summary: ThreadSummary; root: MessageRow },
): Promise<void> {
  await log.append({
    type: "thread.updated",
    conversation_id: row.conversation_id,
    root_id: root.id,
    thread: summary,
  });
  if (root.sender_id !== row.sender_id) await followAndTell(tx, log, row, root.sender_id, "auto");
  await followAndTell(tx, log, row, row.sender_id, "join");
  await moveThreadRead(
    tx,
    log,
    { rootId: root.id, conversationId: row.conversation_id },
    row.sender_id,
    Number(row.thread_seq),
  );
}

/** Follows the reply's thread for `userId`; their own devices hear when that is news. */
async function followAndTell(
  tx: Repositories,
  log: EventLog,
  row: MessageRow,
  userId: string,
  mode: "auto" | "join",
): Promise<void> {
  const rootId = row.thread_id as string;
  if (!(await tx.threadFollows.follow(rootId, userId, mode))) return;
  await log.append(
    {
      type: "thread.followed",
      conversation_id: row.conversation_id,
      root_id: rootId,
      following: true,
    },
    { userId },
  );
}

async function logMentions(tx: Repositories, log: EventLog, row: MessageRow): Promise<void> {
  // An encrypted message's mentions are inside it, where the server cannot look.
  if (row.mls_kind) return;
  const names = findMentions(row.body);
  if (names.length === 0) return;
  const targets = await tx.users.membersNamed(row.conversation_id, names);
  // Nobody is told of a mention by someone they blocked.
  const blockers = new Set(
    await tx.blocks.blockersAmong(
      targets.map((t) => t.id),
      row.sender_id,
    ),
  );
  for (const target of targets) {
    if (target.id === row.sender_id || blockers.has(target.id)) continue;
    // Mentioned in a thread: they follow it, so its replies reach their list of threads.
    if (row.thread_id) await followAndTell(tx, log, row, target.id, "join");
    await log.append(
      {
        type: "mention",
        conversation_id: row.conversation_id,
        message_id: row.id,
        seq: row.seq,
        sender_id: row.sender_id,
      },
      { userId: target.id },
    );
  }
}
