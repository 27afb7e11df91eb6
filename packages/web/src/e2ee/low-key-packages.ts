/**
 * The server's `device.key_packages_low` warning, answered when it is about this
 * browser's device: its key packages are made up to the pool again (this-browser.ts,
 * which brings the MLS code, loaded only then). Light, for the live socket's module.
 */
import { lookForDevice } from "./opened.js";

/** Whether a top-up is under way in this tab. */
let running = false;
/** The account to make up (again): set by each warning, taken by each round. */
let next: string | undefined;

/**
 * Answers a warning about `deviceId`, one of `userId`'s devices. A failure is only
 * logged: the server warns again on the next claim while the pool is low, and Settings
 * makes it up when opened. Warnings that come while one is answered (a burst, or many
 * replayed after being away) make one more round, which counts on the server afresh.
 */
export function answerLowKeyPackages(userId: string, deviceId: string): void {
  // Looked up each time: another tab may have made this browser a device since.
  void lookForDevice(userId)
    .then(async (here) => {
      if (here !== deviceId) return;
      next = userId;
      if (running) return;
      running = true;
      try {
        await topUpRounds();
      } finally {
        running = false;
      }
    })
    .catch((err: unknown) =>
      console.warn("This browser's key packages were not made up again:", err),
    );
}

async function topUpRounds(): Promise<void> {
  for (let userId = next; userId !== undefined; userId = next) {
    next = undefined;
    const { topUpThisBrowser } = await import("./this-browser.js");
    await topUpThisBrowser(userId);
  }
}
