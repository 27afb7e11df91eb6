/**
 * Sends into end-to-end encrypted conversations, checked before they are queued: such a
 * conversation takes only MLS messages, and every other conversation only text. Whether
 * a conversation is encrypted is fixed when it is made, so it is read once and kept
 * (bounded), and the plain send path pays nothing for it.
 */
import type { SendMessageBody } from "@private-chat/protocol/chat";
import type { MlsSend } from "@private-chat/protocol/encrypted";
import { conversationNotFound } from "../conversations/policy.js";
import { AppError } from "../errors.js";
import type { Store } from "../storage/store.js";
import { type MlsHeader, readMlsSend } from "./mls-envelope.js";

/** Conversations whose kind is kept in memory; the oldest is forgotten first. */
const KEPT = 100_000;

export function encryptionRequired(what: string): AppError {
  return new AppError(
    "encryption_required",
    `this conversation is end-to-end encrypted: ${what} only its members' devices can make`,
  );
}

/** An MLS send's header, once what it may not carry is refused. */
function readSend(conversationId: string, input: SendMessageBody, mls: MlsSend): MlsHeader {
  if (input.reply_to !== undefined || input.thread_id !== undefined)
    throw new AppError(
      "invalid_request",
      "in an encrypted conversation, replies and threads point inside the encrypted content",
    );
  const header = readMlsSend(conversationId, input.body, mls);
  // Files go with a message of words, whose encrypted content holds their keys; a change
  // to the group carries none, since it is never deleted on request.
  if (input.attachment_ids?.length && header.kind !== "application")
    throw new AppError("invalid_request", `a ${header.kind} carries no attachments`);
  return header;
}

/** What is known of one conversation's kind, and the sends waiting to learn it. */
interface Kind {
  /** Set once read: whether it is encrypted. */
  known?: boolean;
  /** The read, shared by every send that asks while it runs; undefined when there is none. */
  asked: Promise<boolean | undefined>;
  /** Sends still waiting on `asked`: while any waits, later sends queue behind them. */
  waiting: number;
}

export class EncryptedSends {
  private readonly kinds = new Map<string, Kind>();

  constructor(private readonly store: Store) {}

  private kindOf(conversationId: string): Kind {
    const kept = this.kinds.get(conversationId);
    if (kept) return kept;
    if (this.kinds.size >= KEPT) this.kinds.delete(this.kinds.keys().next().value as string);
    // The callbacks run after the read, by when `kind` below is set.
    const asked = this.store.mlsEpochs.encrypted(conversationId).then(
      (found) => {
        // None is not kept: ids nobody has would fill the memory.
        if (found === undefined) this.kinds.delete(conversationId);
        else kind.known = found;
        return found;
      },
      (err: unknown) => {
        this.kinds.delete(conversationId);
        throw err;
      },
    );
    const kind: Kind = { asked, waiting: 0 };
    this.kinds.set(conversationId, kind);
    return kind;
  }

  /**
   * Checks a send and hands `then` its MLS header (undefined for a text send, or when the
   * conversation does not exist, which the send path answers). Sends keep the order they
   * were checked in: when the kind is known and no earlier send waits, `then` runs before
   * this returns; otherwise after the earlier sends' turn, all of them resuming from one
   * shared read. Refusals that would tell a non-member the conversation's kind answer as a
   * missing conversation instead.
   */
  whenChecked<T>(
    userId: string,
    conversationId: string,
    input: SendMessageBody,
    then: (mls: MlsHeader | undefined) => Promise<T>,
  ): Promise<T> {
    const kind = this.kindOf(conversationId);
    if (kind.known !== undefined && kind.waiting === 0)
      return this.settle(userId, conversationId, input, kind.known, then);
    kind.waiting++;
    return kind.asked.then(
      (encrypted) => {
        kind.waiting--;
        return this.settle(userId, conversationId, input, encrypted, then);
      },
      (err: unknown) => {
        kind.waiting--;
        throw err;
      },
    );
  }

  private settle<T>(
    userId: string,
    conversationId: string,
    input: SendMessageBody,
    encrypted: boolean | undefined,
    then: (mls: MlsHeader | undefined) => Promise<T>,
  ): Promise<T> {
    if (encrypted === undefined || encrypted !== (input.mls !== undefined))
      return encrypted === undefined
        ? then(undefined)
        : this.refuse(userId, conversationId, wrongKind(encrypted));
    if (!input.mls) return then(undefined);
    let mls: MlsHeader;
    try {
      mls = readSend(conversationId, input, input.mls);
    } catch (err) {
      return this.refuse(userId, conversationId, err);
    }
    return then(mls);
  }

  /** Throws `err` to a member; to anyone else the conversation does not exist. */
  private async refuse(userId: string, conversationId: string, err: unknown): Promise<never> {
    if (!(await this.store.conversations.member(conversationId, userId)))
      throw conversationNotFound();
    throw err;
  }
}

function wrongKind(encrypted: boolean): AppError {
  if (encrypted) return encryptionRequired("messages");
  return new AppError(
    "invalid_request",
    "mls goes only with sends into an end-to-end encrypted conversation",
  );
}
