/**
 * The registry of running nodes (see migration 003).
 */
import type { Kysely, Selectable } from "kysely";
import type { Database, NodesTable } from "./schema.js";

export type NodeRow = Selectable<NodesTable>;

export class NodeStore {
  constructor(private readonly db: Kysely<Database>) {}

  async register(row: NodeRow): Promise<void> {
    await this.db.insertInto("nodes").values(row).execute();
  }

  async heartbeat(id: string, now: number): Promise<void> {
    await this.db.updateTable("nodes").set({ last_seen_at: now }).where("id", "=", id).execute();
  }

  /** Other nodes heard from since `since`. */
  async others(id: string, since: number): Promise<NodeRow[]> {
    return this.db
      .selectFrom("nodes")
      .selectAll()
      .where("id", "!=", id)
      .where("last_seen_at", ">=", since)
      .execute();
  }

  async remove(id: string): Promise<void> {
    await this.db.deleteFrom("nodes").where("id", "=", id).execute();
  }

  async prune(before: number): Promise<void> {
    await this.db.deleteFrom("nodes").where("last_seen_at", "<", before).execute();
  }
}
