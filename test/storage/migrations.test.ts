import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { it } from "node:test";
import { sql } from "kysely";
import { latestSchemaVersion, SchemaTooNewError, schemaStatus } from "../../src/storage/migrate.js";
import { MIGRATION_NAMES } from "../../src/storage/migrations/index.js";
import { runCli } from "../helpers/cli.js";
import { ENGINES, openTestStore } from "../helpers/databases.js";

it("[sqlite] two processes migrating one file at once apply each migration once", async () => {
  const dir = mkdtempSync(join(tmpdir(), "chat-migrate-"));
  try {
    const env = { CHAT_DATABASE_PATH: join(dir, "chat.db") };
    const results = await Promise.all([
      runCli(["db", "migrate"], { env }),
      runCli(["db", "migrate"], { env }),
    ]);
    for (const r of results) assert.equal(r.code, 0, r.stderr);
    const outputs = results.map((r) => r.stdout).sort();
    assert.match(outputs[0]!, /001_accounts/);
    assert.match(outputs[1]!, /nothing to apply/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

it("[postgres] migrations apply once, even when two nodes start together", async () => {
  const engine = "postgres";
  {
    const opened = await openTestStore(engine, false);
    const second = opened.reopen();
    try {
      const [a, b] = await Promise.all([opened.store.migrate(), second.migrate()]);
      assert.deepEqual([...a.applied, ...b.applied].sort(), [...MIGRATION_NAMES].sort());
      assert.equal(a.current, latestSchemaVersion());
      const again = await opened.store.migrate();
      assert.deepEqual(again.applied, []);
      const status = await schemaStatus(opened.store.db, opened.store.type);
      assert.deepEqual(status.pending, []);
    } finally {
      await second.close();
      await opened.cleanup();
    }
  }
});

for (const engine of ENGINES) {
  it(`[${engine}] a database with a newer version's contract step is refused`, async () => {
    const opened = await openTestStore(engine);
    try {
      await sql`insert into schema_migrations (name, timestamp) values ('999_contract_from_the_future', '2030-01-01')`.execute(
        opened.store.db,
      );
      await assert.rejects(opened.store.migrate(), (err: unknown) => {
        assert.ok(err instanceof SchemaTooNewError);
        assert.match(err.message, /999_contract_from_the_future.*newer version/);
        return true;
      });
    } finally {
      await opened.cleanup();
    }
  });
}
