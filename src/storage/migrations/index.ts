/**
 * The ordered list of schema migrations. Names sort in the order they apply; a database
 * that has applied a name missing here was written by a newer chat-server.
 */
import type { Migration } from "kysely";
import { accounts } from "./001_accounts.js";

export const migrations: Record<string, Migration> = {
  "001_accounts": accounts,
};
