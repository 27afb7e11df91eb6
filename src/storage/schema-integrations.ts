/**
 * The tables of integrations: access tokens, incoming webhooks, bots' event subscriptions,
 * their delivery queue and slash commands. Part of the Database of schema.ts.
 */
import type { Generated } from "kysely";

export interface AccessTokensTable {
  session_id: string;
  user_id: string;
  name: string;
  /** SHA-256 of the secret, hex: the secret itself is never stored. */
  token_hash: string;
  created_by: string;
  expires_at: number | null;
}

export interface IncomingWebhooksTable {
  id: string;
  conversation_id: string;
  /** The hook's own bot account, which its messages are sent as. */
  bot_user_id: string;
  created_by: string;
  name: string;
  /** SHA-256 of the URL's secret, hex: the secret itself is never stored. */
  secret_hash: string;
  created_at: number;
  last_used_at: number | null;
}

export interface EventSubscriptionsTable {
  id: string;
  bot_id: string;
  url: string;
  /** JSON array of event types. */
  events: string;
  /** The signing secret itself: the server signs each delivery with it. */
  secret: string;
  created_at: number;
  /** Events with an id above this are the subscription's (none from before it). */
  from_cursor: number;
  /** Failed attempts at the head delivery; 0 once one succeeds. */
  attempts: Generated<number>;
  retry_at: number | null;
  claimed_by: string | null;
  claimed_until: number | null;
  last_attempt_at: number | null;
  last_success_at: number | null;
  last_status: number | null;
  last_error: string | null;
  dropped: Generated<number>;
}

export interface EventDeliveriesTable {
  subscription_id: string;
  event_id: string;
  cursor: number;
  message_id: string | null;
  payload: string;
  created_at: number;
}

export interface SlashCommandsTable {
  id: string;
  bot_id: string;
  name: string;
  url: string;
  description: string;
  usage: string;
  secret: string;
  created_at: number;
}
