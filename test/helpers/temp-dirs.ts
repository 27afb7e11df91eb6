/**
 * Temporary directories a test file makes as it goes, all removed when the file's tests
 * end, and the files found under one.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";

/** A maker of fresh directories named `<prefix>XXXXXX` under the system's temp folder. */
export function tempDirs(prefix: string): () => string {
  const dirs: string[] = [];
  after(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  return () => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    dirs.push(dir);
    return dir;
  };
}

/**
 * Every file under `dir` (recursive), relative to it; none when `dir` is not there. A file
 * renamed or removed between the listing and its stat (a process still writing there, as
 * a backup moves each `.partial` file into place, or a deletion under way) is left out
 * rather than failing the look.
 */
export function filesUnder(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir, { recursive: true, encoding: "utf8" });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
  return entries.filter(
    (entry) => statSync(join(dir, entry), { throwIfNoEntry: false })?.isFile() === true,
  );
}
