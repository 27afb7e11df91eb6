/**
 * `npm run bench -- <workload> [flags]`: starts the chat-server (and the raw relay) as
 * child processes on 127.0.0.1, drives a workload against them, prints a short table on
 * stderr and one JSON line on stdout, appends that line to bench/results/<workload>.jsonl,
 * and stops everything it started, also on Ctrl-C or when the global timeout expires.
 */
import { parseArgs } from "node:util";
import { installExitHandlers, isStopping, runCleanup } from "./lib/cleanup.js";
import { saveResult } from "./lib/results.js";
import { BenchError, type FlagSpec, type Workload, type WorkloadContext } from "./lib/workload.js";
import { direct } from "./workloads/direct.js";
import { e2ee } from "./workloads/e2ee.js";
import { group } from "./workloads/group.js";
import { history } from "./workloads/history.js";
import { idle } from "./workloads/idle.js";
import { login } from "./workloads/login.js";
import { push } from "./workloads/push.js";
import { replay } from "./workloads/replay.js";
import { scale } from "./workloads/scale.js";
import { storm } from "./workloads/storm.js";

const WORKLOADS: Workload[] = [
  direct,
  group,
  idle,
  history,
  login,
  push,
  replay,
  scale,
  storm,
  e2ee,
];

const COMMON = {
  database: { type: "string", default: "sqlite" },
  redis: { type: "boolean", default: false },
  "no-relay": { type: "boolean", default: false },
  timeout: { type: "string" },
  "server-log": { type: "string", default: "warn" },
  "pool-size": { type: "string", default: "10" },
  nodes: { type: "string", default: "1" },
  encrypted: { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
} as const;

function usage(): string {
  const lines = [
    "usage: npm run bench -- <workload> [flags]",
    "",
    "common flags:",
    "  --database sqlite|postgres  database of the chat-server (postgres: a schema of its own in",
    "                              postgres://postgres@127.0.0.1:5432/test, dropped afterwards)",
    "  --redis                     also give the server [redis] (redis://127.0.0.1:6379)",
    "  --no-relay                  skip the raw relay baseline",
    "  --timeout S                 global time limit of the workload (default 120; push 900)",
    "  --server-log LEVEL          the server's log_level (default warn)",
    "  --pool-size N               PostgreSQL pool size (default 10)",
    "  --nodes N                   direct/group: N chat-server nodes sharing PostgreSQL and Redis;",
    "                              user i connects to node i mod N, so partners sit on different",
    "                              nodes (needs --database postgres --redis; default 1)",
    "  --encrypted                 SQLite encrypted at rest ([database] encryption_key_file)",
  ];
  for (const w of WORKLOADS) {
    lines.push("", `${w.name}: ${w.summary}`);
    for (const [name, spec] of Object.entries(w.flags)) {
      const dflt = spec.optional ? "unset" : String(spec.default);
      lines.push(`  --${name.padEnd(22)} ${spec.help} (default ${dflt})`);
    }
  }
  return lines.join("\n");
}

function numberFlag(name: string, raw: string | undefined, spec: FlagSpec): number | undefined {
  if (raw === undefined) return spec.optional ? undefined : spec.default;
  const value = Number(raw);
  const whole = spec.fractional || Number.isInteger(value);
  if (!Number.isFinite(value) || !whole || value < spec.min || value > spec.max) {
    throw new Error(
      `--${name} must be ${spec.fractional ? "a number" : "a whole number"} from ${spec.min} to ${spec.max}`,
    );
  }
  return value;
}

function parse(argv: string[]): { workload: Workload; ctx: WorkloadContext; timeoutS: number } {
  const name = argv[0];
  const workload = WORKLOADS.find((w) => w.name === name);
  if (!workload || argv.includes("--help") || argv.includes("-h")) {
    throw new UsageError(
      name && !workload && !name.startsWith("-") ? `unknown workload: ${name}` : "",
    );
  }
  const options: Record<
    string,
    { type: "string" | "boolean"; default?: string | boolean; short?: string }
  > = { ...COMMON };
  for (const flagName of Object.keys(workload.flags)) options[flagName] = { type: "string" };
  const { values } = parseArgs({
    args: argv.slice(1),
    options,
    strict: true,
    allowPositionals: false,
  });
  const flags: Record<string, number | undefined> = {};
  for (const [flagName, spec] of Object.entries(workload.flags)) {
    flags[flagName] = numberFlag(flagName, values[flagName] as string | undefined, spec);
  }
  const database = values.database;
  if (database !== "sqlite" && database !== "postgres")
    throw new Error("--database must be sqlite or postgres");
  const timeoutS =
    numberFlag("timeout", values.timeout as string | undefined, {
      default: workload.defaultTimeoutS ?? 120,
      min: 1,
      max: 3600,
      help: "",
    }) ?? 120;
  const poolSize =
    numberFlag("pool-size", values["pool-size"] as string, {
      default: 10,
      min: 1,
      max: 1000,
      help: "",
    }) ?? 10;
  const nodes =
    numberFlag("nodes", values.nodes as string, { default: 1, min: 1, max: 4, help: "" }) ?? 1;
  if (nodes > 1 && (database !== "postgres" || !values.redis)) {
    throw new Error("--nodes above 1 needs --database postgres and --redis");
  }
  if (values.encrypted && database !== "sqlite") throw new Error("--encrypted goes with SQLite");
  return {
    workload,
    timeoutS,
    ctx: {
      flags,
      relay: !values["no-relay"],
      deadline: performance.now() + timeoutS * 1000,
      server: {
        database,
        redis: Boolean(values.redis),
        logLevel: String(values["server-log"]),
        poolSize,
        nodes,
        encrypted: Boolean(values.encrypted),
      },
    },
  };
}

class UsageError extends Error {}

async function main(): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(process.argv.slice(2));
  } catch (err) {
    const message = (err as Error).message;
    process.stderr.write(`${message ? `bench: ${message}\n\n` : ""}${usage()}\n`);
    return err instanceof UsageError && !message ? 0 : 2;
  }
  const { workload, ctx, timeoutS } = parsed;
  installExitHandlers();
  // The workload watches the deadline itself; this is the backstop if something hangs.
  const backstop = setTimeout(
    () => {
      process.stderr.write(
        `bench: ${workload.name} exceeded its ${timeoutS} s timeout; stopping\n`,
      );
      runCleanup().finally(() => process.exit(2));
    },
    (timeoutS + 15) * 1000,
  );
  backstop.unref();
  try {
    const output = await workload.run(ctx);
    const file = saveResult(workload.name, { ...output.record, problems: output.problems });
    process.stderr.write(`bench: appended to ${file}\n`);
    for (const problem of output.problems) process.stderr.write(`bench: PROBLEM: ${problem}\n`);
    return output.problems.length > 0 ? 1 : 0;
  } catch (err) {
    // Interrupted: the children are gone, so whatever failed afterwards is no news.
    if (isStopping()) return 130;
    const detail = err instanceof BenchError ? err.message : ((err as Error).stack ?? String(err));
    process.stderr.write(`bench: ${workload.name} failed: ${detail}\n`);
    return 1;
  } finally {
    clearTimeout(backstop);
    await runCleanup();
  }
}

main().then((code) => process.exit(code));
