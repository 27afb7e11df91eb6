/**
 * `chat-server db migrate [--contract]|status [--json]`: applies or lists schema
 * migrations without serving. Expand steps are safe while older nodes run; contract steps
 * only once every node runs this version (see src/storage/migrations/index.ts).
 * `db encrypt|decrypt|rekey` convert the SQLite file (db-encryption.ts).
 */

import { loadConfig } from "../../config/load.js";
import { STALE_MS } from "../../ops/node-registry.js";
import { type SchemaStatus, schemaStatus, unservable } from "../../storage/migrate.js";
import {
  MIGRATION_NAMES,
  phaseOf,
  REQUIRED_CONTRACT_STEPS,
} from "../../storage/migrations/index.js";
import { openStore, type Store } from "../../storage/store.js";
import { configFlag, type Flags, parseCommandArgs, UsageError } from "../args.js";
import type { Command } from "../command.js";
import { USAGE as COMMAND_USAGE } from "../usage.js";
import { runEncryption } from "./db-encryption.js";

const USAGE =
  "usage: chat-server db migrate [--contract] | db status [--json] | db encrypt | db decrypt | db rekey --new-key-file FILE [--config FILE]";
const ACTIONS = ["migrate", "status", "encrypt", "decrypt", "rekey"] as const;
type Action = (typeof ACTIONS)[number];
const isAction = (value: string | undefined): value is Action =>
  (ACTIONS as readonly (string | undefined)[]).includes(value);

const flags = {
  ...configFlag,
  contract: {
    description: "with migrate: also apply contract steps (only once every node runs this version)",
  },
  json: { description: "with status: print the report as JSON" },
  "new-key-file": { value: "FILE", description: "with rekey: the file holding the new key" },
} as const satisfies Flags;

/** What `db status` reports: the database's steps and what this version makes of them. */
export function statusReport(status: SchemaStatus) {
  const refusal = unservable(status);
  return {
    applied: status.applied.map((name) => ({ name, phase: phaseOf(name) })),
    pending_expand: status.pendingExpand,
    pending_contract: status.pendingContract,
    newer_expand: status.unknownExpand,
    newer_contract: status.unknownContract,
    this_version: {
      knows_through: MIGRATION_NAMES.at(-1) ?? null,
      requires_contract: [...REQUIRED_CONTRACT_STEPS],
    },
    can_serve: refusal === undefined,
    ...(refusal ? { reason: refusal.message } : {}),
  };
}

const list = (names: string[]) => (names.length > 0 ? names.join(", ") : "none");

function statusText(status: SchemaStatus): string {
  const report = statusReport(status);
  const lines = [
    `applied: ${list(status.applied.map((n) => (phaseOf(n) === "contract" ? `${n} (contract)` : n)))}`,
    `pending expand: ${list(status.pendingExpand)}${status.pendingExpand.length > 0 ? " (applied by `chat-server db migrate` or when a node starts)" : ""}`,
    `pending contract: ${list(status.pendingContract)}${status.pendingContract.length > 0 ? " (apply with `chat-server db migrate --contract` once every node runs this version)" : ""}`,
  ];
  if (status.unknown.length > 0) {
    lines.push(
      `from a newer chat-server: expand ${list(status.unknownExpand)}; contract ${list(status.unknownContract)}`,
    );
  }
  lines.push(
    `this version knows migrations through ${report.this_version.knows_through ?? "none"}; requires contract steps: ${list(report.this_version.requires_contract)}`,
    report.can_serve
      ? "this version can serve this schema"
      : `this version cannot serve this schema: ${report.reason}`,
  );
  return `${lines.join("\n")}\n`;
}

/**
 * A contract step removes what older versions use: while a node of one runs (its row in
 * the nodes table is fresh and it does not know the step), nothing is contracted.
 */
async function refusal(store: Store): Promise<string | undefined> {
  // Expand steps first: they bring the column the check reads.
  await store.migrate();
  const { pendingContract } = await schemaStatus(store.db, store.type);
  const last = pendingContract.at(-1);
  return last === undefined ? undefined : olderNodes(store, last);
}

/** Why `step` may not be applied yet: the live nodes whose version does not know it. */
export async function olderNodes(store: Store, step: string): Promise<string | undefined> {
  const live = await store.nodes.others("", Date.now() - STALE_MS);
  const older = live.filter((node) => node.knows_through === null || node.knows_through < step);
  if (older.length === 0) return undefined;
  const names = older.map((n) => `${n.hostname}:${n.pid} (${n.knows_through ?? "before 012"})`);
  return `nodes of an older version still run (${names.join(", ")}): upgrade or drain them before \`db migrate --contract\` (a stopped node's row is ignored after ${STALE_MS / 1000} s)`;
}

export async function dbCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, flags);
  const action = positionals.length === 1 ? positionals[0] : undefined;
  if (!isAction(action)) throw new UsageError(USAGE);
  if (values.contract && action !== "migrate")
    throw new UsageError(`--contract goes with db migrate; ${USAGE}`);
  if (values.json && action !== "status")
    throw new UsageError(`--json goes with db status; ${USAGE}`);
  if (values["new-key-file"] !== undefined && action !== "rekey")
    throw new UsageError(`--new-key-file goes with db rekey; ${USAGE}`);
  const config = loadConfig({ file: values.config });
  if (action === "encrypt" || action === "decrypt" || action === "rekey")
    return runEncryption(action, config.database, values["new-key-file"]);
  const store = openStore(config.database);
  try {
    if (action === "migrate") {
      // Migrating writes: never into a damaged file. `status` only reads, for diagnosis.
      store.checkIntegrity();
      const refused = values.contract ? await refusal(store) : undefined;
      if (refused) {
        process.stderr.write(`chat-server: ${refused}\n`);
        return 1;
      }
      const result = await store.migrate({ contract: values.contract === true });
      const applied = result.applied.length > 0 ? result.applied.join(", ") : "nothing to apply";
      process.stdout.write(`schema at ${result.current}: ${applied}\n`);
      const after = await schemaStatus(store.db, store.type);
      if (after.pendingContract.length > 0) {
        process.stdout.write(
          `contract steps waiting: ${after.pendingContract.join(", ")}; run \`chat-server db migrate --contract\` once every node runs this version\n`,
        );
      }
    } else {
      const status = await schemaStatus(store.db, store.type);
      process.stdout.write(
        values.json ? `${JSON.stringify(statusReport(status), null, 2)}\n` : statusText(status),
      );
    }
  } finally {
    await store.close();
  }
  return 0;
}

export const dbCmd: Command = {
  name: "db",
  usage: COMMAND_USAGE.db,
  flags,
  run: dbCommand,
};
