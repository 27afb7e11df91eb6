/**
 * At most one export at a time per person: an export reads every row it holds and
 * streams every file, so a second one alongside only doubles the load for the same zip.
 * Kept per server process; behind a load balancer each node allows its own one.
 */
import { AppError } from "../errors.js";

/** What a refused caller is told to wait before trying again. */
const RETRY_AFTER_SECONDS = 30;

export class ExportSlots {
  private readonly busy = new Set<string>();

  /** Takes the caller's slot, or throws rate_limited; call the returned release once. */
  take(userId: string): () => void {
    if (this.busy.has(userId)) {
      throw new AppError(
        "rate_limited",
        "an export of yours is already being downloaded; wait for it to finish",
        undefined,
        RETRY_AFTER_SECONDS,
      );
    }
    this.busy.add(userId);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.busy.delete(userId);
    };
  }

  get size(): number {
    return this.busy.size;
  }
}
