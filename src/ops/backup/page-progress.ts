/**
 * Paces SQLite's online backup and reports it: how many pages each step copies, a line
 * per step on databases bigger than one step, and what to do when the copy restarts.
 *
 * SQLite restarts a stepped backup whenever another process (the server) writes to the
 * source between two steps. Under steady traffic a stepped copy could restart forever,
 * so after one restart the whole database is copied in a single step: one read
 * transaction, which in WAL mode never blocks the server's writers.
 */
export interface BackupProgress {
  totalPages: number;
  remainingPages: number;
}

/** At least this many pages per step (4 MiB with the default 4 KiB pages). */
const MIN_STEP_PAGES = 1024;
/** Large databases are copied in about this many steps, so about this many lines. */
const TARGET_STEPS = 20;
const ALL_PAGES = 0x7fffffff;

export class PageProgress {
  private lastDone = 0;
  private calls = 0;
  private reported = false;
  private oneStep = false;
  private total = 0;

  constructor(private readonly log: (line: string) => void) {}

  /** The `progress` callback for better-sqlite3's `db.backup()`: returns the next step size. */
  readonly step = ({ totalPages, remainingPages }: BackupProgress): number => {
    const done = totalPages - remainingPages;
    this.total = totalPages;
    if (this.calls > 0 && done <= this.lastDone && !this.oneStep) {
      this.oneStep = true;
      this.log("backup: the database changed between steps; copying it again in one step");
    }
    this.calls += 1;
    this.lastDone = done;
    if (done > 0) this.report(done, totalPages);
    return this.oneStep
      ? ALL_PAGES
      : Math.max(MIN_STEP_PAGES, Math.ceil(totalPages / TARGET_STEPS));
  };

  /** Call once the backup resolved: closes a started progress report at 100%. */
  finish(): void {
    if (this.reported) this.report(this.total, this.total);
  }

  private report(done: number, total: number): void {
    this.reported = true;
    const percent = total === 0 ? 100 : Math.floor((done * 100) / total);
    this.log(`backup: ${done}/${total} pages (${percent}%)`);
  }
}
