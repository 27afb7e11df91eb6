/**
 * The ordered list of schema migrations. Names sort in the order they apply; a database
 * that has applied a name missing here was written by a newer chat-server.
 */
import type { Migration } from "kysely";
import { accounts } from "./001_accounts.js";
import { conversations } from "./002_conversations.js";
import { nodes } from "./003_nodes.js";
import { audit } from "./004_audit.js";
import { attachments } from "./005_attachments.js";
import { search } from "./006_search.js";
import { membershipPeriods } from "./007_membership_periods.js";
import { searchIndexPerBatch } from "./008_search_index_per_batch.js";
import { groupAdds } from "./009_group_adds.js";
import { blobNames } from "./010_blob_names.js";
import { push } from "./013_push.js";

export type Engine = "sqlite" | "postgres";

export function migrationsFor(engine: Engine): Record<string, Migration> {
  return {
    "001_accounts": accounts,
    "002_conversations": conversations(engine),
    "003_nodes": nodes,
    "004_audit": audit(engine),
    "005_attachments": attachments(engine),
    "006_search": search(engine),
    "007_membership_periods": membershipPeriods,
    "008_search_index_per_batch": searchIndexPerBatch(engine),
    "009_group_adds": groupAdds,
    "010_blob_names": blobNames,
    "013_push": push,
  };
}

export const MIGRATION_NAMES = Object.keys(migrationsFor("sqlite"));
