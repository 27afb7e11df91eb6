/**
 * The shell blocks of the documentation, with the mark before each that says whether the
 * test suite runs it (docs-commands.test.ts):
 *
 *   <!-- doc-test: runs -->                   run against a test server
 *   <!-- doc-test: host-only (systemd) -->    needs a real host: say what, in brackets
 *   <!-- doc-test: not-run (follows until Ctrl-C) -->   runs anywhere, but not to an end
 *                                             or not as written: say why
 *
 * The mark is the last non-blank line before the opening fence, indented like it.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export const REPO = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");

/** Every document whose shell blocks are marked and checked. */
export function documents(): string[] {
  const docs = readdirSync(join(REPO, "docs"))
    .filter((name) => name.endsWith(".md"))
    .map((name) => `docs/${name}`);
  const packages = readdirSync(join(REPO, "packages"))
    .map((name) => `packages/${name}/README.md`)
    .filter((path) => {
      try {
        readFileSync(join(REPO, path));
        return true;
      } catch {
        return false;
      }
    });
  return ["README.md", ...docs.sort(), ...packages.sort()];
}

export type Mark =
  | { kind: "runs" }
  | { kind: "host-only"; reason: string }
  | { kind: "not-run"; reason: string };

export interface ShellBlock {
  doc: string;
  /** The line of the opening fence, counted from 1. */
  line: number;
  /** The commands, without the fence's indentation. */
  text: string;
  mark?: Mark;
}

const SHELL_FENCE = /^(\s*)```(bash|sh|shell|console)\s*$/;
const ANY_FENCE = /^\s*```/;
const MARK = /^<!-- doc-test: (runs|host-only \((.+)\)|not-run \((.+)\)) -->$/;

function parseMark(line: string | undefined): Mark | undefined {
  const match = line?.trim().match(MARK);
  if (!match) return undefined;
  if (match[1] === "runs") return { kind: "runs" };
  if (match[2]) return { kind: "host-only", reason: match[2] };
  return { kind: "not-run", reason: match[3] ?? "" };
}

/** The shell blocks of one document, in order. */
export function shellBlocks(doc: string): ShellBlock[] {
  const lines = readFileSync(join(REPO, doc), "utf8").split("\n");
  const blocks: ShellBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    if (!ANY_FENCE.test(line)) continue;
    const end = lines.findIndex((l, n) => n > i && ANY_FENCE.test(l));
    const close = end === -1 ? lines.length : end;
    const shell = line.match(SHELL_FENCE);
    if (shell) {
      const indent = shell[1]?.length ?? 0;
      let before = i - 1;
      while (before >= 0 && (lines[before] ?? "").trim() === "") before--;
      blocks.push({
        doc,
        line: i + 1,
        text: lines
          .slice(i + 1, close)
          .map((l) => l.slice(Math.min(indent, l.length - l.trimStart().length)))
          .join("\n"),
        mark: parseMark(lines[before]),
      });
    }
    i = close;
  }
  return blocks;
}
