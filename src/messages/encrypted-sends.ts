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
  if (input.attachment_ids?.length)
    throw new AppError(
      "invalid_request",
      "encrypted conversations do not take attachments yet (docs/E2EE.md)",
    );
  return readMlsSend(conversationId, input.body, mls);
}

export class EncryptedSends {
  /**
   * The answer for each conversation as a promise, shared by every send that asks while
   * it is read: sends resume in the order they asked, so a socket's sends keep their
   * order into the queue whether or not the answer was known.
   */
  private readonly kinds = new Map<string, Promise<boolean | undefined>>();

  constructor(private readonly store: Store) {}

  /** Whether the conversation is encrypted; undefined when there is none. */
  encrypted(conversationId: string): Promise<boolean | undefined> {
    const kept = this.kinds.get(conversationId);
    if (kept) return kept;
    if (this.kinds.size >= KEPT) this.kinds.delete(this.kinds.keys().next().value as string);
    const asked = this.store.mlsEpochs.encrypted(conversationId).then(
      (found) => {
        // None is not kept: ids nobody has would fill the memory.
        if (found === undefined) this.kinds.delete(conversationId);
        return found;
      },
      (err: unknown) => {
        this.kinds.delete(conversationId);
        throw err;
      },
    );
    this.kinds.set(conversationId, asked);
    return asked;
  }

  private async refuseOutsider(userId: string, conversationId: string): Promise<void> {
    if (!(await this.store.conversations.member(conversationId, userId)))
      throw conversationNotFound();
  }

  /**
   * The MLS header of a send into an encrypted conversation, undefined for a text send
   * into any other; a send of the wrong kind is refused. Refusals that would tell a
   * non-member the conversation's kind answer as a missing conversation instead.
   */
  async check(
    userId: string,
    conversationId: string,
    input: SendMessageBody,
  ): Promise<MlsHeader | undefined> {
    const encrypted = await this.encrypted(conversationId);
    if (encrypted === undefined) return undefined;
    if (encrypted === (input.mls !== undefined)) {
      if (!input.mls) return undefined;
      try {
        return readSend(conversationId, input, input.mls);
      } catch (err) {
        // Only a member learns why: to others the conversation does not exist.
        await this.refuseOutsider(userId, conversationId);
        throw err;
      }
    }
    await this.refuseOutsider(userId, conversationId);
    if (encrypted) throw encryptionRequired("messages");
    throw new AppError(
      "invalid_request",
      "mls goes only with sends into an end-to-end encrypted conversation",
    );
  }
}
