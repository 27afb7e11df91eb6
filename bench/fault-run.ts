/**
 * `npm run fault-run -- --seed 1 --runs 10 --clients 20 --messages 500`: seeded fault
 * runs of a three-node cluster on a private PostgreSQL and Redis (see bench/README.md,
 * "Fault run"). Prints one JSON line per run and a summary table, appends the lines to
 * bench/results/fault-run.jsonl, and exits 1 if any run lost, doubled or reordered an
 * acknowledged message.
 */
import { parseArgs } from "node:util";
import { faultRun, type RunRecord } from "./fault/run.js";
import { installExitHandlers, onCleanup, runCleanup } from "./lib/cleanup.js";
import { saveResult } from "./lib/results.js";

const FLAGS = {
  seed: { type: "string", default: "1" },
  runs: { type: "string", default: "1" },
  clients: { type: "string", default: "20" },
  messages: { type: "string", default: "500" },
  "gap-ms": { type: "string", default: "40" },
  "in-flight": { type: "string", default: "4" },
  "fault-window": { type: "string" },
  "send-timeout": { type: "string", default: "300" },
  quiet: { type: "string", default: "3" },
  help: { type: "boolean", short: "h", default: false },
} as const;

const USAGE = `usage: npm run fault-run -- [flags]
  --seed N          first seed; run k uses seed N + k (default 1)
  --runs N          how many seeded runs (default 1)
  --clients N       users, each with one SDK socket (default 20)
  --messages N      messages each user sends (default 500)
  --gap-ms MS       mean pause between one user's sends (default 40)
  --in-flight N     unacknowledged sends per user at most (default 4)
  --fault-window S  faults happen between 10 % and 70 % of this many seconds after the
                    first send (default messages x gap-ms)
  --send-timeout S  give up sends still unacked this long after the start (default 300)
  --quiet S         everyone connected and silent this long before checking (default 3)`;

function whole(name: keyof typeof FLAGS, raw: string | boolean | undefined, min: number): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    process.stderr.write(`--${name} must be a whole number >= ${min}\n${USAGE}\n`);
    process.exit(2);
  }
  return value;
}

function summary(records: RunRecord[]): string {
  const columns = [
    ["seed", (r: RunRecord) => r.seed],
    ["acked", (r: RunRecord) => r.acked],
    ["failed", (r: RunRecord) => r.failed],
    ["retries", (r: RunRecord) => r.retries],
    ["stored", (r: RunRecord) => r.stored],
    ["delivered", (r: RunRecord) => `${r.delivered}/${r.expected_deliveries}`],
    ["lost", (r: RunRecord) => r.lost + r.lost_stored],
    ["dup", (r: RunRecord) => r.duplicated],
    ["order", (r: RunRecord) => r.order_violations],
    ["hit", (r: RunRecord) => `${r.faults_during_sends}/${r.faults.length}`],
    ["reconn", (r: RunRecord) => r.reconnects],
    ["dedup", (r: RunRecord) => r.deduplicated],
    ["secs", (r: RunRecord) => r.duration_s],
    ["ok", (r: RunRecord) => (r.ok ? "yes" : "NO")],
  ] as const;
  const rows = records.map((r) => columns.map(([, get]) => String(get(r))));
  const total = (get: (r: RunRecord) => number) => records.reduce((n, r) => n + get(r), 0);
  rows.push([
    "all",
    String(total((r) => r.acked)),
    String(total((r) => r.failed)),
    String(total((r) => r.retries)),
    String(total((r) => r.stored)),
    `${total((r) => r.delivered)}/${total((r) => r.expected_deliveries)}`,
    String(total((r) => r.lost + r.lost_stored)),
    String(total((r) => r.duplicated)),
    String(total((r) => r.order_violations)),
    `${total((r) => r.faults_during_sends)}/${total((r) => r.faults.length)}`,
    String(total((r) => r.reconnects)),
    String(total((r) => r.deduplicated)),
    String(Math.round(total((r) => r.duration_s))),
    records.every((r) => r.ok) ? "yes" : "NO",
  ]);
  const header = columns.map(([name]) => name);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => c.padStart(widths[i] ?? 0)).join("  ");
  return [line(header), ...rows.map(line)].join("\n");
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: FLAGS, strict: true });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const seed = whole("seed", values.seed, 0);
  const runs = whole("runs", values.runs, 1);
  const records: RunRecord[] = [];
  for (let k = 0; k < runs; k++) {
    const record = await faultRun({
      seed: seed + k,
      clients: whole("clients", values.clients, 2),
      messages: whole("messages", values.messages, 1),
      gapMs: whole("gap-ms", values["gap-ms"], 0),
      inFlight: whole("in-flight", values["in-flight"], 1),
      nodes: 3,
      ...(values["fault-window"] === undefined
        ? {}
        : { faultWindowMs: whole("fault-window", values["fault-window"], 1) * 1000 }),
      sendTimeoutMs: whole("send-timeout", values["send-timeout"], 1) * 1000,
      quietMs: whole("quiet", values.quiet, 0) * 1000,
      onCleanup,
      log: (line) => process.stderr.write(`fault-run: ${line}\n`),
    });
    records.push(record);
    saveResult("fault-run", record as unknown as Record<string, unknown>);
    if (!record.ok) {
      process.stderr.write(
        `fault-run: seed ${record.seed} FAILED:\n  ${record.problems.join("\n  ")}\n`,
      );
    }
  }
  process.stderr.write(`\n${summary(records)}\n`);
  return records.every((r) => r.ok) ? 0 : 1;
}

installExitHandlers();
main().then(
  async (code) => {
    await runCleanup();
    process.exit(code);
  },
  async (err: unknown) => {
    process.stderr.write(`fault-run: ${(err as Error).stack ?? String(err)}\n`);
    await runCleanup();
    process.exit(1);
  },
);
