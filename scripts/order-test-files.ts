// Prints the test files given as arguments, one per line, longest first by the seconds in
// test/durations.json (written by scripts/test-durations-reporter.mjs). With a fixed number
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

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const file of orderByDuration(process.argv.slice(2), readDurations()))
    process.stdout.write(`${file}\n`);
}
