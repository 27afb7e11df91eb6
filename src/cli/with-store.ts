/**
 * Opens the configured database (applying migrations) for one CLI command and closes it.
 */
import { loadConfig } from "../config/load.js";
import type { Config } from "../config/schema.js";
import { openStore, type Store } from "../storage/store.js";

export async function withStore<T>(
  configFile: string | undefined,
  work: (store: Store, config: Config) => Promise<T>,
): Promise<T> {
  const config = loadConfig({ file: configFile });
  const store = openStore(config.database);
  try {
    store.checkIntegrity();
    await store.migrate();
    return await work(store, config);
  } finally {
    await store.close();
  }
}
