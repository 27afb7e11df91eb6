/**
 * A round of work every interval, as the server's periodic checks run (the OpenID
 * Connect membership check, the directory sync): never two rounds at once (a round that
 * outlasts the interval makes the next tick a no-op), a failed round logged and tried
 * again at the next tick, and `stop` waiting for the round under way.
 */
import type { Logger } from "pino";

export class PeriodicRound {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly round: () => Promise<unknown>,
    private readonly intervalMs: number,
    private readonly logger: Logger,
    /** What the log says when a round fails. */
    private readonly failure: string,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      this.running ??= this.round()
        .then(
          () => undefined,
          (err: unknown) => {
            this.logger.warn({ err }, this.failure);
          },
        )
        .finally(() => {
          this.running = undefined;
        });
    }, this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
