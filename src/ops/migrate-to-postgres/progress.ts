/**
 * Progress of the copy on stderr: one bar per table redrawn in place on a terminal, and
 * plain lines at every tenth of a table otherwise (logs and pipes get no control codes).
 */

export interface ProgressStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

const BAR_WIDTH = 30;
const NAME_WIDTH = 20;
const PLAIN_STEP_PERCENT = 10;

const count = (n: number) => n.toLocaleString("en-US");

export class Progress {
  private table = "";
  private total = 0;
  private done = 0;
  private shown = -1;
  private readonly tty: boolean;

  constructor(private readonly out: ProgressStream) {
    this.tty = out.isTTY === true;
  }

  /** A line of its own, e.g. what is being connected to. */
  note(line: string): void {
    this.out.write(`${line}\n`);
  }

  startTable(table: string, total: number, alreadyCopied: number): void {
    this.table = table;
    this.total = total;
    this.done = alreadyCopied;
    this.shown = -1;
    if (this.tty) {
      this.draw();
      return;
    }
    const percent = this.percent();
    // A table that is already complete (or empty) gets its one line from finishTable.
    if (percent === 100) return;
    this.shown = this.step(percent);
    if (alreadyCopied > 0) this.out.write(`${this.line()}\n`);
  }

  advance(rows: number): void {
    this.done += rows;
    if (this.tty) {
      this.draw();
      return;
    }
    const step = this.step(this.percent());
    if (step > this.shown) {
      this.out.write(`${this.line()}\n`);
      this.shown = step;
    }
  }

  finishTable(): void {
    if (this.tty || this.shown !== 100) this.out.write(`${this.line()}\n`);
    this.shown = -1;
  }

  private percent(): number {
    if (this.total === 0) return 100;
    return Math.min(100, Math.floor((this.done / this.total) * 100));
  }

  private step(percent: number): number {
    return Math.floor(percent / PLAIN_STEP_PERCENT) * PLAIN_STEP_PERCENT;
  }

  private line(): string {
    const percent = this.percent();
    const rows = `${count(Math.min(this.done, this.total))}/${count(this.total)} rows`;
    if (!this.tty) return `${this.table}: ${rows} (${percent}%)`;
    const filled = Math.round((percent / 100) * BAR_WIDTH);
    const bar = `${"#".repeat(filled)}${"-".repeat(BAR_WIDTH - filled)}`;
    return `\r\x1b[2K${this.table.padEnd(NAME_WIDTH)} [${bar}] ${String(percent).padStart(3)}% ${rows}`;
  }

  /** Redraws the bar in place, only when the shown percentage changes. */
  private draw(): void {
    const percent = this.percent();
    if (percent === this.shown) return;
    this.out.write(this.line());
    this.shown = percent;
  }
}
