/**
 * Launches Debian's Chromium through playwright-core (no browser download), headless,
 * with the flags this sandbox needs.
 */
import { existsSync } from "node:fs";
import { type Browser, type BrowserContext, chromium } from "playwright-core";

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM_PATH);
}

const ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
];

/** `extraArgs`: Chromium flags beyond these, such as a fake camera's (fake-camera.ts). */
export function launchBrowser(extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...ARGS, ...extraArgs],
  });
}

/**
 * A browser with its profile on disk in `userDataDir`, where it keeps storage as a
 * person's browser does (a context of `launchBrowser()` keeps it in memory).
 */
export function launchProfile(
  userDataDir: string,
  options: { serviceWorkers?: "allow" | "block" } = {},
): Promise<BrowserContext> {
  return chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ARGS,
    ...options,
  });
}
