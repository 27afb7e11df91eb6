import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { Kysely, Migration } from "kysely";
import { olderNodes } from "../../src/cli/commands/db.js";
import {
  latestSchemaVersion,
  SchemaTooNewError,
  SchemaTooOldError,
  schemaStatus,
  unservable,
} from "../../src/storage/migrate.js";
import { migrationsFor, phaseOf } from "../../src/storage/migrations/index.js";
import { runCli } from "../helpers/cli.js";
import { ENGINES, openTestStore } from "../helpers/databases.js";

const table = (name: string): Migration => ({
  async up(db: Kysely<any>) {
    await db.schema.createTable(name).addColumn("a", "integer").execute();
  },
});

describe("migration phases", () => {
  it("tells a contract step by its name", () => {
    assert.equal(phaseOf("012_contract_drop_old_names"), "contract");
    assert.equal(phaseOf("012_blocks"), "expand");
    assert.equal(phaseOf("012_blocks_contract_x"), "expand");
    const contract = Object.keys(migrationsFor("sqlite")).filter((n) => phaseOf(n) === "contract");
    assert.deepEqual(contract, ["020_contract_event_references"]);
  });

  it("refuses a schema lacking a contract step this version requires", () => {
    const refusal = unservable({
      applied: ["001_accounts"],
      pending: [],
      pendingExpand: [],
      pendingContract: [],
      unknown: [],
      unknownExpand: [],
      unknownContract: [],
      missingRequired: ["011_contract_x"],
    });
    assert.ok(refusal instanceof SchemaTooOldError);
    assert.match(refusal.message, /011_contract_x.*db migrate --contract/);
  });

  for (const engine of ENGINES) {
    it(`[${engine}] an older node serves a newer node's expand steps and refuses its contract step`, async () => {
      const opened = await openTestStore(engine);
      const older = opened.store;
      const newer = opened.reopen();
      try {
        const ours = migrationsFor(engine);
        // The next release: two expand steps and a contract step between them.
        const next = {
          ...ours,
          "990_rehearsal_new": table("rehearsal_new"),
          "991_contract_rehearsal_old": {
            async up(db: Kysely<any>) {
              await db.schema.dropTable("rehearsal_new").execute();
            },
          },
          "992_rehearsal_more": table("rehearsal_more"),
        };
        const expanded = await newer.migrate({ migrations: next });
        assert.deepEqual(expanded.applied, ["990_rehearsal_new", "992_rehearsal_more"]);
        const waiting = await schemaStatus(newer.db, engine, Object.keys(next));
        assert.deepEqual(waiting.pendingContract, ["991_contract_rehearsal_old"]);
        assert.deepEqual(waiting.pendingExpand, []);

        // The older node (this version) restarts mid-way: it serves the expanded schema.
        const again = await older.migrate();
        assert.deepEqual(again.applied, []);
        const seen = await schemaStatus(older.db, engine);
        assert.deepEqual(seen.unknownExpand, ["990_rehearsal_new", "992_rehearsal_more"]);
        assert.equal(unservable(seen), undefined);

        // Every node is new: the contract step runs, and only on request.
        assert.deepEqual((await newer.migrate({ migrations: next })).applied, []);
        const contracted = await newer.migrate({ migrations: next, contract: true });
        assert.deepEqual(contracted.applied, ["991_contract_rehearsal_old"]);

        // Now an older node may not start on it.
        await assert.rejects(older.migrate(), (err: unknown) => {
          assert.ok(err instanceof SchemaTooNewError);
          assert.match(err.message, /contract steps .*991_contract_rehearsal_old/);
          return true;
        });
      } finally {
        await newer.close();
        await opened.cleanup();
      }
    });
  }
});

describe("db migrate --contract and the nodes still running", () => {
  for (const engine of ENGINES) {
    it(`[${engine}] waits for every live node to know the contract step`, async () => {
      const opened = await openTestStore(engine);
      try {
        const now = Date.now();
        const row = { hostname: "h", clustered: 1, started_at: now, last_seen_at: now };
        const step = "999_contract_rehearsal";
        await opened.store.nodes.register({ ...row, id: "new", pid: 1, knows_through: step });
        assert.equal(await olderNodes(opened.store, step), undefined);
        await opened.store.nodes.register({ ...row, id: "old", pid: 2, knows_through: null });
        await opened.store.nodes.register({
          ...row,
          id: "mid",
          pid: 3,
          knows_through: latestSchemaVersion(),
        });
        const refused = await olderNodes(opened.store, step);
        assert.match(refused ?? "", /older version still run \(h:2 \(before 012\), h:3 \(/);
        // A node gone quiet (crashed) holds nothing up once its row is stale.
        await opened.store.nodes.remove("mid");
        await opened.store.nodes.heartbeat("old", now - 60_000);
        assert.equal(await olderNodes(opened.store, step), undefined);
      } finally {
        await opened.cleanup();
      }
    });
  }
});

describe("chat-server db status and the start on a newer schema", () => {
  it("[sqlite] reports phases, serves a newer expand step and refuses a newer contract step (exit 78)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "chat-phases-"));
    try {
      const env = { CHAT_DATABASE_PATH: join(dir, "chat.db") };
      const migrated = await runCli(["db", "migrate"], { env });
      assert.equal(migrated.code, 0, migrated.stderr);

      const { default: Database } = await import("better-sqlite3-multiple-ciphers");
      const raw = new Database(join(dir, "chat.db"));
      raw
        .prepare("insert into schema_migrations (name, timestamp) values (?, ?)")
        .run("998_from_a_newer_node", "2030-01-01T00:00:00.000Z");
      raw.close();

      const status = await runCli(["db", "status", "--json"], { env });
      assert.equal(status.code, 0, status.stderr);
      const report = JSON.parse(status.stdout);
      assert.deepEqual(report.newer_expand, ["998_from_a_newer_node"]);
      assert.deepEqual(report.newer_contract, []);
      assert.deepEqual(report.pending_expand, []);
      assert.deepEqual(report.pending_contract, []);
      assert.equal(report.can_serve, true);
      // A brand-new database took its contract steps at once: no older node can be on it.
      assert.deepEqual(
        report.applied
          .filter((m: { phase: string }) => m.phase === "contract")
          .map((m: { name: string }) => m.name),
        ["020_contract_event_references"],
      );

      const text = await runCli(["db", "status"], { env });
      assert.match(text.stdout, /pending expand: none/);
      assert.match(text.stdout, /pending contract: none/);
      assert.match(text.stdout, /from a newer chat-server: expand 998_from_a_newer_node/);
      assert.match(text.stdout, /this version can serve this schema/);
      assert.equal((await runCli(["db", "migrate"], { env })).code, 0);

      const again = new Database(join(dir, "chat.db"));
      again
        .prepare("insert into schema_migrations (name, timestamp) values (?, ?)")
        .run("999_contract_from_a_newer_node", "2030-01-02T00:00:00.000Z");
      again.close();
      const refused = await runCli(["db", "status", "--json"], { env });
      assert.equal(JSON.parse(refused.stdout).can_serve, false);
      const start = await runCli([], { env: { ...env, CHAT_SERVER_PORT: "0" } });
      assert.equal(start.code, 78, start.stderr);
      assert.match(start.stderr, /contract steps this chat-server does not know \(999_contract/);
      const usage = await runCli(["db", "status", "--contract"], { env });
      assert.equal(usage.code, 64);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
