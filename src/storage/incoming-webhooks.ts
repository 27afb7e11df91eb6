/**
 * Incoming webhooks: which conversation a hook posts into, as which bot account, and the
 * hash of its URL's secret. A hook is found by that hash alone; deleting it deletes the row.
 */
import type { Kysely, Selectable } from "kysely";
import type { Database, IncomingWebhooksTable } from "./schema.js";

export interface IncomingWebhook {
  id: string;
  conversationId: string;
  botUserId: string;
  createdBy: string;
  name: string;
  createdAt: number;
  lastUsedAt: number | null;
}

export interface NewIncomingWebhook extends Omit<IncomingWebhook, "lastUsedAt"> {
  secretHash: string;
}

function toWebhook(row: Selectable<IncomingWebhooksTable>): IncomingWebhook {
  return {
    id: row.id,
    conversationId: row.conversation_id,
    botUserId: row.bot_user_id,
    createdBy: row.created_by,
    name: row.name,
    createdAt: Number(row.created_at),
    lastUsedAt: row.last_used_at === null ? null : Number(row.last_used_at),
  };
}

export class IncomingWebhookStore {
  constructor(private readonly db: Kysely<Database>) {}

  async create(hook: NewIncomingWebhook): Promise<void> {
    await this.db
      .insertInto("incoming_webhooks")
      .values({
        id: hook.id,
        conversation_id: hook.conversationId,
        bot_user_id: hook.botUserId,
        created_by: hook.createdBy,
        name: hook.name,
        secret_hash: hook.secretHash,
        created_at: hook.createdAt,
        last_used_at: null,
      })
      .execute();
  }

  async byId(id: string): Promise<IncomingWebhook | undefined> {
    const row = await this.db
      .selectFrom("incoming_webhooks")
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirst();
    return row ? toWebhook(row) : undefined;
  }

  async bySecretHash(secretHash: string): Promise<IncomingWebhook | undefined> {
    const row = await this.db
      .selectFrom("incoming_webhooks")
      .selectAll()
      .where("secret_hash", "=", secretHash)
      .executeTakeFirst();
    return row ? toWebhook(row) : undefined;
  }

  /** Whether a user is the bot account of some hook (those are managed through the hook). */
  async isHookBot(userId: string): Promise<boolean> {
    const row = await this.db
      .selectFrom("incoming_webhooks")
      .select("id")
      .where("bot_user_id", "=", userId)
      .executeTakeFirst();
    return row !== undefined;
  }

  /** A conversation's hooks, oldest first. */
  async inConversation(conversationId: string): Promise<IncomingWebhook[]> {
    const rows = await this.db
      .selectFrom("incoming_webhooks")
      .selectAll()
      .where("conversation_id", "=", conversationId)
      .orderBy("created_at")
      .orderBy("id")
      .execute();
    return rows.map(toWebhook);
  }

  async countInConversation(conversationId: string): Promise<number> {
    const row = await this.db
      .selectFrom("incoming_webhooks")
      .select((eb) => eb.fn.countAll<number | string>().as("n"))
      .where("conversation_id", "=", conversationId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async touch(id: string, now: number): Promise<void> {
    await this.db
      .updateTable("incoming_webhooks")
      .set({ last_used_at: now })
      .where("id", "=", id)
      .execute();
  }

  /** Deletes a hook's row, and with it the hash of its secret. True when there was one. */
  async delete(id: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom("incoming_webhooks")
      .where("id", "=", id)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}
