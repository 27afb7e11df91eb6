/**
 * Pinned messages: at most one pin per message, read a conversation at a time, the
 * most recently pinned first.
 */
import type { Kysely, Selectable } from "kysely";
import { type SeqWindow, seqInWindow } from "./membership-window.js";
import { type MessageRow, normaliseMessage } from "./messages.js";
import type { Database, PinsTable } from "./schema.js";

export type Pin = Selectable<PinsTable>;

export interface PinnedRow {
  pin: Pin;
  message: MessageRow;
}

function normalisePin(pin: Pin): Pin {
  return { ...pin, pinned_at: Number(pin.pinned_at) };
}

export class PinStore {
  constructor(private readonly db: Kysely<Database>) {}

  async of(messageId: string): Promise<Pin | undefined> {
    const row = await this.db
      .selectFrom("pins")
      .selectAll()
      .where("message_id", "=", messageId)
      .executeTakeFirst();
    return row ? normalisePin(row) : undefined;
  }

  async count(conversationId: string): Promise<number> {
    const row = await this.db
      .selectFrom("pins")
      .select((eb) => eb.fn.countAll<number | string>().as("n"))
      .where("conversation_id", "=", conversationId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async add(pin: Pin): Promise<void> {
    await this.db.insertInto("pins").values(pin).execute();
  }

  /** Removes the message's pin; false when it had none. */
  async remove(messageId: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom("pins")
      .where("message_id", "=", messageId)
      .executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  /** The conversation's pins inside a reader's window, the most recently pinned first. */
  async list(conversationId: string, window: SeqWindow): Promise<PinnedRow[]> {
    const rows = await this.db
      .selectFrom("pins as p")
      .innerJoin("messages as m", "m.id", "p.message_id")
      .selectAll("m")
      .select(["p.pinned_by", "p.pinned_at"])
      .where("p.conversation_id", "=", conversationId)
      .where(seqInWindow("m.seq", window))
      .orderBy("p.pinned_at", "desc")
      .orderBy("m.seq", "desc")
      .execute();
    return rows.map(({ pinned_by, pinned_at, ...message }) => ({
      pin: normalisePin({
        message_id: message.id,
        conversation_id: conversationId,
        pinned_by,
        pinned_at,
      }),
      message: normaliseMessage(message),
    }));
  }
}
