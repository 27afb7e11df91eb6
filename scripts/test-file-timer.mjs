// Loaded into every test file's process (node --test hands its own flags to the processes
// it starts, one per file): at exit, appends the file and how long its process ran to
// $CHAT_TEST_DURATIONS_LOG. scripts/order-test-files.ts --record turns the lines into
// test/durations.json, from which npm test starts the longest files first.
// JavaScript, not TypeScript: it must load before the tsx hooks do.
import { appendFileSync, readFileSync } from "node:fs";
import { relative } from "node:path";

const log = process.env.CHAT_TEST_DURATIONS_LOG;
// NODE_TEST_CONTEXT is set in the processes the runner starts, not in the runner itself.
const run = process.argv[1] ?? "";
if (log && process.env.NODE_TEST_CONTEXT && /\.test\.[jt]s$/.test(run)) {
  // A compiled test file (scripts/compile-tests.mjs) is named by its source.
  const file = relative(process.cwd(), run)
    .replace(/^dist-tests\//, "")
    .replace(/\.js$/, ".ts");
  process.on("exit", () => {
    // `ended` (ms since the epoch) shows which files ran at the same time; `cpu` is what
    // the file costs a busy machine, its reaped child processes (servers, clients,
    // browsers) included, which wall time hides when files share the cores.
    appendFileSync(
      log,
      `${JSON.stringify({ file, seconds: process.uptime(), cpu: processorSeconds(), ended: Date.now() })}\n`,
    );
  });
}

// utime, stime, cutime and cstime of /proc/self/stat, in clock ticks (100 a second on
// Linux); fields counted after the command name, which may itself hold spaces.
function processorSeconds() {
  try {
    const stat = readFileSync("/proc/self/stat", "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0);
    return Math.round(ticks) / 100;
  } catch {
    return undefined;
  }
}
