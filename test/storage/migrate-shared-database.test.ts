import assert from "node:assert/strict";
import { it } from "node:test";
import { MIGRATION_NAMES } from "../../src/storage/migrations/index.js";
import { openTestStore } from "../helpers/databases.js";

// Several test files (or a chat-server next to another application) share one PostgreSQL
// database, each in its own schema. Another schema's migration table must not count as ours.
it("[postgres] migrates a fresh schema while another schema of the database is migrated", async () => {
  const first = await openTestStore("postgres");
  try {
    const second = await openTestStore("postgres", false);
    try {
      const result = await second.store.migrate();
      assert.deepEqual(result.applied, [...MIGRATION_NAMES]);
      assert.equal(await second.store.events.latestId(), 0);
    } finally {
      await second.cleanup();
    }
  } finally {
    await first.cleanup();
  }
});
