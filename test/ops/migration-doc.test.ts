/**
 * docs/DEPLOYMENT_POSTGRES_MIGRATION.md names the tables `migrate-to-postgres` copies, in
 * the order it copies them, and each table it leaves out: the lists in
 * src/ops/migrate-to-postgres/tables.ts, so a table added there cannot be missing here.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { it } from "node:test";
import { KNOWN_TABLES } from "../../src/ops/migrate-to-postgres/tables.js";

const doc = readFileSync(
  new URL("../../docs/DEPLOYMENT_POSTGRES_MIGRATION.md", import.meta.url),
  "utf8",
);

it("lists the copied tables in the migration's order", () => {
  const step = doc.match(/Copies the tables in foreign-key order: ([^.]*)\./)?.[1];
  assert.ok(step, "no sentence 'Copies the tables in foreign-key order: ...'");
  const listed = [...step.matchAll(/`(\w+)`/g)].map((m) => m[1]);
  assert.deepEqual(
    listed,
    KNOWN_TABLES.filter((t) => !t.skip).map((t) => t.name),
  );
});

it("says why each table that is not copied is left out", () => {
  for (const table of KNOWN_TABLES.filter((t) => t.skip)) {
    assert.match(doc, new RegExp(`The \`${table.name}\` table is not copied`));
  }
});
