/**
 * The condition that a bot (joined as `b`) and its owner (joined as `o`) are both active:
 * a bot stops with a disabled or deleted owner, so its subscriptions and commands do too.
 */
import { sql } from "kysely";

export const BOT_AND_OWNER_ACTIVE = sql<boolean>`b.disabled = 0 and b.deleted_at is null and o.disabled = 0 and o.deleted_at is null`;
