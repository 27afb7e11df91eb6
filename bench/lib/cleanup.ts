/**
 * Everything the harness must undo however it ends (normal end, error, timeout, Ctrl-C):
 * child processes to kill, temporary directories and PostgreSQL schemas to drop.
 */

type CleanupStep = () => Promise<void> | void;

const steps: CleanupStep[] = [];
const exitKills = new Set<() => void>();
let running: Promise<void> | undefined;
let stopping = false;

/** True once a signal or the timeout has started tearing everything down. */
export function isStopping(): boolean {
  return stopping;
}

/** Registers an undo step; steps run last-registered first. */
export function onCleanup(step: CleanupStep): void {
  steps.push(step);
}

/**
 * Registers a synchronous last resort run from `process.on("exit")`, for children that
 * are still alive when the process leaves without running the cleanup steps.
 */
export function onExitKill(kill: () => void): () => void {
  exitKills.add(kill);
  return () => exitKills.delete(kill);
}

/** Runs every registered step once, each bounded to 10 seconds, errors reported. */
export function runCleanup(): Promise<void> {
  running ??= (async () => {
    while (steps.length > 0) {
      const step = steps.pop();
      if (!step) break;
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          step(),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error("cleanup step took over 10 s")), 10_000);
          }),
        ]);
      } catch (err) {
        process.stderr.write(`bench: cleanup: ${(err as Error).message}\n`);
      } finally {
        clearTimeout(timer);
      }
    }
  })();
  return running;
}

/** Ends the process after cleaning up: used for signals and the global timeout. */
export function installExitHandlers(): void {
  const bail = (why: string, code: number) => {
    stopping = true;
    process.stderr.write(`bench: ${why}; stopping\n`);
    runCleanup().finally(() => process.exit(code));
  };
  process.once("SIGINT", () => bail("interrupted", 130));
  process.once("SIGTERM", () => bail("terminated", 143));
  process.on("exit", () => {
    for (const kill of exitKills) kill();
  });
}
