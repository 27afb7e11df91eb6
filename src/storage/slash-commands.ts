/**
 * Bots' slash commands: `/name`, the URL it is sent to and the secret that signs it. A
 * name is unique on the server, so `/deploy` means one thing in every conversation.
 */
import type { Kysely, Selectable } from "kysely";
import { BOT_AND_OWNER_ACTIVE } from "./active-bots.js";
import type { Database, SlashCommandsTable } from "./schema.js";

export type SlashCommandRow = Selectable<SlashCommandsTable>;

export class SlashCommandStore {
  constructor(private readonly db: Kysely<Database>) {}

  async create(row: SlashCommandRow): Promise<void> {
    await this.db.insertInto("slash_commands").values(row).execute();
  }

  byId(id: string): Promise<SlashCommandRow | undefined> {
    return this.db.selectFrom("slash_commands").selectAll().where("id", "=", id).executeTakeFirst();
  }

  byName(name: string): Promise<SlashCommandRow | undefined> {
    return this.db
      .selectFrom("slash_commands")
      .selectAll()
      .where("name", "=", name)
      .executeTakeFirst();
  }

  forBot(botId: string): Promise<SlashCommandRow[]> {
    return this.db
      .selectFrom("slash_commands")
      .selectAll()
      .where("bot_id", "=", botId)
      .orderBy("name")
      .execute();
  }

  async countForBot(botId: string): Promise<number> {
    const row = await this.db
      .selectFrom("slash_commands")
      .select((eb) => eb.fn.countAll<number | string>().as("n"))
      .where("bot_id", "=", botId)
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  async remove(id: string): Promise<void> {
    await this.db.deleteFrom("slash_commands").where("id", "=", id).execute();
  }

  async removeForBot(botId: string): Promise<void> {
    await this.db.deleteFrom("slash_commands").where("bot_id", "=", botId).execute();
  }

  /**
   * The commands of the bots that are members of a conversation now, with active bots
   * and owners, by name; `name` narrows it to one.
   */
  availableIn(conversationId: string, name?: string): Promise<SlashCommandRow[]> {
    let query = this.db
      .selectFrom("slash_commands as c")
      .innerJoin("conversation_members as m", "m.user_id", "c.bot_id")
      .innerJoin("users as b", "b.id", "c.bot_id")
      .innerJoin("users as o", "o.id", "b.owner_id")
      .selectAll("c")
      .where("m.conversation_id", "=", conversationId)
      .where(BOT_AND_OWNER_ACTIVE);
    if (name !== undefined) query = query.where("c.name", "=", name);
    return query.orderBy("c.name").execute();
  }
}
