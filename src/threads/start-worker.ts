/**
 * Starts a worker thread from the module `name` beside `from` (the caller's
 * `import.meta.url`). Built code runs the compiled `.js` file. Run from source, the worker
 * gets the TypeScript loader first: on Node 20 the loader that `node --import tsx`
 * installs does not reach worker threads.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";

export function startWorker(from: string, name: string, workerData: unknown): Worker {
  const built = new URL(`./${name}.js`, from);
  if (existsSync(fileURLToPath(built))) return new Worker(built, { workerData });
  const source = new URL(`./${name}.ts`, from).href;
  const loader = import.meta.resolve("tsx/esm/api");
  const bootstrap = `import(${JSON.stringify(loader)}).then(({ register }) => { register(); return import(${JSON.stringify(source)}); });`;
  return new Worker(bootstrap, { eval: true, workerData });
}
