/**
 * Starts a worker thread from the module `name` beside `from` (the caller's
 * `import.meta.url`). Built code runs the compiled `.js` file. Run from source, the worker
 * gets the TypeScript loader first: on Node 20 the loader that `node --import tsx`
 * installs does not reach worker threads.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";

/** Node flags that load code before the program, or change how it resolves packages. */
const PRELOADS = new Set([
  "--import",
  "--require",
  "-r",
  "--loader",
  "--experimental-loader",
  "--conditions",
  "-C",
]);

/**
 * The process's Node flags without its preloads: a built worker needs no loader, and a
 * thread inherits them by default, so a process started with hooks (a test run's
 * TypeScript loader) would set them up again in every thread, at a second or more of
 * processor time each. Other flags (memory, warnings) still reach the thread.
 */
export function workerExecArgv(argv: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const flag = arg.split("=", 1)[0] as string;
    if (!PRELOADS.has(flag)) kept.push(arg);
    // The value given as the next argument goes with its flag.
    else if (!arg.includes("=")) i++;
  }
  return kept;
}

export function startWorker(from: string, name: string, workerData: unknown): Worker {
  const built = new URL(`./${name}.js`, from);
  if (existsSync(fileURLToPath(built)))
    return new Worker(built, { workerData, execArgv: workerExecArgv(process.execArgv) });
  const source = new URL(`./${name}.ts`, from).href;
  const loader = import.meta.resolve("tsx/esm/api");
  const bootstrap = `import(${JSON.stringify(loader)}).then(({ register }) => { register(); return import(${JSON.stringify(source)}); });`;
  return new Worker(bootstrap, { eval: true, workerData });
}
