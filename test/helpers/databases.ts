/**
 * Runs one behavioural suite against every storage engine: a fresh SQLite file and a
 * fresh schema on the real PostgreSQL.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe } from "node:test";
import { loadConfig } from "../../src/config/load.js";
import { databaseSection } from "../../src/config/schema.js";
import { openStore, type Store } from "../../src/storage/store.js";
import { createTestSchema } from "./postgres.js";

export type Engine = "sqlite" | "postgres";
export const ENGINES: Engine[] = ["sqlite", "postgres"];

export interface OpenedStore {
  store: Store;
  /** Opens another store on the same database (a second node, or a restart). */
  reopen(): Store;
  cleanup(): Promise<void>;
}

export async function openTestStore(engine: Engine, migrate = true): Promise<OpenedStore> {
  if (engine === "sqlite") {
    const dir = mkdtempSync(join(tmpdir(), "chat-store-"));
    const database = loadConfig({
      env: {},
      overrides: { database: { path: join(dir, "chat.db") } },
    }).database;
    const store = openStore(database);
    if (migrate) await store.migrate();
    return {
      store,
      reopen: () => openStore(database),
      async cleanup() {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const schema = await createTestSchema();
  // Only the [database] section: the whole configuration would also want [uploads] path.
  const database = databaseSection.parse({ type: "postgres", url: schema.url });
  const store = openStore(database, {
    postgresSchema: schema.schema,
    postgresConnectionTimeoutMs: 60_000,
  });
  if (migrate) await store.migrate();
  return {
    store,
    reopen: () =>
      openStore(database, { postgresSchema: schema.schema, postgresConnectionTimeoutMs: 60_000 }),
    async cleanup() {
      await store.close();
      await schema.drop();
    },
  };
}

/** describe() once per engine, with a migrated store available through `get()`. */
export function describeEachEngine(
  title: string,
  body: (get: () => OpenedStore, engine: Engine) => void,
): void {
  for (const engine of ENGINES) {
    describe(`${title} [${engine}]`, () => {
      let opened: OpenedStore | undefined;
      before(async () => {
        opened = await openTestStore(engine);
      });
      after(async () => {
        await opened?.cleanup();
      });
      body(() => {
        if (!opened) throw new Error("store not open yet");
        return opened;
      }, engine);
    });
  }
}

/**
 * describe() on SQLite with messages stored on a writer thread, as the server runs: the
 * same suite body as describeEachEngine's, against its own connection and thread.
 */
export function describeOnWriterThread(
  title: string,
  body: (get: () => Pick<OpenedStore, "store">) => void,
): void {
  describe(`${title} [sqlite, writer thread]`, () => {
    let dir: string;
    let store: Store | undefined;
    before(async () => {
      dir = mkdtempSync(join(tmpdir(), "chat-writer-"));
      const database = loadConfig({
        env: {},
        overrides: { database: { path: join(dir, "chat.db") } },
      }).database;
      store = openStore(database, { backgroundThreads: true });
      await store.migrate();
    });
    after(async () => {
      await store?.close();
      rmSync(dir, { recursive: true, force: true });
    });
    body(() => {
      if (!store) throw new Error("store not open yet");
      return { store };
    });
  });
}
