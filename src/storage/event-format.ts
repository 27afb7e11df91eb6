/**
 * How the event log stores the events that carry a message: whole, or as a reference to
 * the message row (storage/event-reference.ts, REFERENCE_PAYLOAD). References need every
 * node to read them, which the contract step `020_contract_event_references` guarantees
 * (a node that cannot read them may not run beside it); until it is applied, events are
 * stored whole. A node learns it at start and on every heartbeat, so a running cluster slims
 * its log within seconds of `chat-server db migrate --contract`.
 */
import { type Kysely, sql } from "kysely";
import type { Database } from "./schema.js";

export const EVENT_REFERENCES_STEP = "020_contract_event_references";

export class EventFormat {
  /** Store message events as references (true once the contract step is applied). */
  references = false;

  /** Reads whether the contract step is applied. */
  async refresh(db: Kysely<Database>): Promise<boolean> {
    const { rows } =
      await sql`select 1 as one from schema_migrations where name = ${EVENT_REFERENCES_STEP}`.execute(
        db,
      );
    this.references = rows.length > 0;
    return this.references;
  }
}
