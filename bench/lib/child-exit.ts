/**
 * Whether a child process has ended, and waiting a bounded time for it to: the harness
 * stops servers, relays and fault-run nodes the same way.
 */
import type { ChildProcess } from "node:child_process";

export function hasExited(child: ChildProcess | undefined): boolean {
  return !child || child.exitCode !== null || child.signalCode !== null;
}

/** Resolves true once the child has exited, or false after `ms` if it has not. */
export function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (hasExited(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}
