// Prints the test files given as arguments, one per line, longest first by the seconds in
// test/durations.json. `--record LOG` prints that file's new contents instead, from the
// lines scripts/test-file-timer.mjs wrote during a run. With a fixed number
// of workers, starting the long files first keeps the run from ending on one long file
// while the others sit idle. A file with no figure yet goes first: it may be long. Files of
// equal weight keep the order they were given in.
import { existsSync, readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const DURATIONS = "test/durations.json";

export function orderByDuration(
  files: readonly string[],
  seconds: Readonly<Record<string, number>>,
): string[] {
  const weight = (file: string) => seconds[file] ?? Number.POSITIVE_INFINITY;
  return files
    .map((file, index) => ({ file, index }))
    .sort((a, b) => weight(b.file) - weight(a.file) || a.index - b.index)
    .map(({ file }) => file);
}

function readDurations(): Record<string, number> {
  if (!existsSync(DURATIONS)) return {};
  const parsed: unknown = JSON.parse(readFileSync(DURATIONS, "utf8"));
  if (typeof parsed !== "object" || parsed === null) return {};
  return Object.fromEntries(
    Object.entries(parsed).filter(
      (entry): entry is [string, number] => typeof entry[1] === "number",
    ),
  );
}

/** The timer's lines as test/durations.json holds them: whole seconds, by file name. */
export function recordedDurations(lines: string): Record<string, number> {
  const seconds: Record<string, number> = {};
  for (const line of lines.split("\n")) {
    if (line.trim() === "") continue;
    const { file, seconds: s } = JSON.parse(line) as { file: string; seconds: number };
    seconds[file] = Math.max(seconds[file] ?? 0, Math.round(s));
  }
  return Object.fromEntries(Object.entries(seconds).sort(([a], [b]) => a.localeCompare(b)));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [first, ...rest] = process.argv.slice(2);
  if (first === "--record") {
    const recorded = recordedDurations(readFileSync(rest[0] ?? "", "utf8"));
    process.stdout.write(`${JSON.stringify(recorded, null, 2)}\n`);
  } else {
    // One write: a reader that stops early (head) must not make a write fail half-way.
    const files = first === undefined ? [] : [first, ...rest];
    process.stdout.write(
      orderByDuration(files, readDurations())
        .map((f) => `${f}\n`)
        .join(""),
    );
  }
}
