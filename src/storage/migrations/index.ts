/**
 * The ordered list of schema migrations. Names sort in the order they apply; a database
 * that has applied a name missing here was written by a newer chat-server.
 *
 * Each migration has a phase, told by its name so that an older chat-server reading the
 * migration table can tell it too: an expand step (any name) only adds, and older code
 * keeps working on the schema it leaves; a contract step (named `NNN_contract_<what>`)
 * removes or changes what older code still uses, and is applied only by
 * `chat-server db migrate --contract`, once every node runs a version that knows it.
 * Code must work both before and after each contract step it knows.
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
import { blocksAndRequests } from "./011_blocks_and_requests.js";
import { nodeSchemaVersions } from "./012_node_schema_versions.js";
import { push } from "./013_push.js";
import { notificationPreferences } from "./014_notification_preferences.js";
import { messageVersions } from "./015_message_versions.js";
import { pins } from "./016_pins.js";
import { eventMessageIds } from "./017_event_message_ids.js";
import { threads } from "./018_threads.js";
import { retention } from "./019_retention.js";
import { contractEventReferences } from "./020_contract_event_references.js";
import { accountDeletion } from "./021_account_deletion.js";
import { serverSettings } from "./022_server_settings.js";
import { inviteUses } from "./023_invite_uses.js";
import { accessTokensAndBots } from "./024_access_tokens_and_bots.js";
import { incomingWebhooks } from "./025_incoming_webhooks.js";
import { outgoingIntegrations } from "./026_outgoing_integrations.js";
import { externalIdentities } from "./027_external_identities.js";
import { secondFactors } from "./028_second_factors.js";
import { oidcSignIns } from "./029_oidc_sign_ins.js";
import { groupLinks } from "./030_group_links.js";
import { providerLinks } from "./031_provider_links.js";
import { devices } from "./032_devices.js";
import { encryptedConversations } from "./033_encrypted_conversations.js";
import { keyBackups } from "./034_key_backups.js";
import { searchIndexSkipsCiphertext } from "./035_search_index_skips_ciphertext.js";
import { historyShares } from "./036_history_shares.js";

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
    "011_blocks_and_requests": blocksAndRequests,
    "012_node_schema_versions": nodeSchemaVersions,
    "013_push": push,
    "014_notification_preferences": notificationPreferences,
    "015_message_versions": messageVersions,
    "016_pins": pins,
    "017_event_message_ids": eventMessageIds(engine),
    "018_threads": threads,
    "019_retention": retention,
    "020_contract_event_references": contractEventReferences,
    "021_account_deletion": accountDeletion,
    "022_server_settings": serverSettings,
    "023_invite_uses": inviteUses,
    "024_access_tokens_and_bots": accessTokensAndBots,
    "025_incoming_webhooks": incomingWebhooks,
    "026_outgoing_integrations": outgoingIntegrations,
    "027_external_identities": externalIdentities,
    "028_second_factors": secondFactors,
    "029_oidc_sign_ins": oidcSignIns,
    "030_group_links": groupLinks,
    "031_provider_links": providerLinks,
    "032_devices": devices,
    "033_encrypted_conversations": encryptedConversations(engine),
    "034_key_backups": keyBackups(engine),
    "035_search_index_skips_ciphertext": searchIndexSkipsCiphertext(engine),
    "036_history_shares": historyShares,
  };
}

export const MIGRATION_NAMES = Object.keys(migrationsFor("sqlite"));

export type Phase = "expand" | "contract";

/** A migration's phase, from its name alone (see above). */
export function phaseOf(name: string): Phase {
  return /^\d+_contract_/.test(name) ? "contract" : "expand";
}

/**
 * Contract steps this version relies on having been applied before it starts (those of
 * an earlier release, which an upgrade may not skip). None yet.
 */
export const REQUIRED_CONTRACT_STEPS: readonly string[] = [];
