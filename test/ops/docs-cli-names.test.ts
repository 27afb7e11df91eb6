/**
 * Every `chat-server` and `chat-client` command line in the documentation (code spans,
 * shell blocks, and the comments of deploy/) names a subcommand and flags that the
 * command's own `--help` lists: the subcommands from the top-level help, the flags from
 * the subcommand's `--help` (its `Flags:` section) where it has one, otherwise from its
 * usage line in the top-level help.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { documents, REPO } from "./doc-blocks.js";

const COMMANDS = {
  "chat-server": join(REPO, "dist/cli/chat-server.js"),
  "chat-client": join(REPO, "packages/client/bin/chat-client.js"),
} as const;
type Program = keyof typeof COMMANDS;

function help(program: Program, args: string[]): string | undefined {
  const run = spawnSync(process.execPath, [COMMANDS[program], ...args, "--help"], {
    encoding: "utf8",
    timeout: 60_000,
  });
  return run.status === 0 ? run.stdout : undefined;
}

interface Usage {
  /** Subcommand paths ("" for the bare command), each with the flags it takes. */
  commands: Map<string, Set<string>>;
  /** Flags every command line may carry (--help, --version). */
  global: Set<string>;
}

const FLAG = /(?<![\w-])--?[a-z][a-z0-9-]*/g;

/** The leading lower-case words of a usage line: its subcommand path. */
function commandPath(words: string[]): string {
  const path: string[] = [];
  for (const word of words) {
    if (!/^[a-z][a-z-]*$/.test(word)) break;
    path.push(word);
  }
  return path.join(" ");
}

/** Reads the top-level help, then each subcommand's own help when it has one. */
function usage(program: Program): Usage {
  const top = help(program, []) ?? "";
  const commands = new Map<string, Set<string>>();
  let current: Set<string> | undefined;
  for (const line of top.split("\n")) {
    const start = line.match(new RegExp(`^  ${program}(?: (.*))?$`));
    if (start) {
      // "[serve]" names an optional word: the bare command and "serve" are both commands.
      // The description may follow on the same line, after two spaces or more.
      const synopsis = (start[1] ?? "").split(/\s{2,}/)[0] ?? "";
      const words = synopsis.replace(/^\[(\w+)\]/, "$1").split(/\s+/);
      const path = commandPath(words);
      current = new Set(line.match(FLAG) ?? []);
      commands.set(path, current);
      if (/^\[\w+\]/.test(start[1] ?? "")) commands.set("", current);
    } else if (/^\s{6,}/.test(line) && current) {
      for (const flag of line.match(FLAG) ?? []) current.add(flag);
    } else if (!/^\s/.test(line)) {
      current = undefined;
    }
  }
  const global = new Set(["--help", "-h", "--version", "-v"]);
  // The top-level help names the options most commands share in a sentence of its own.
  const shared = top.match(/--config FILE \(-c FILE\)/) ? ["--config", "-c"] : [];
  for (const [path, flags] of commands) {
    const own = path === "" || flags.has("--help") ? undefined : help(program, path.split(" "));
    const section = own?.split(/^Flags:$/m)[1];
    const listed = section ? (section.match(FLAG) ?? []) : shared;
    for (const flag of listed) flags.add(flag);
  }
  return { commands, global };
}

/** Text that may hold command lines: code spans and shell blocks, or comment lines. */
function codeOf(file: string): string[] {
  const text = readFileSync(join(REPO, file), "utf8");
  if (!file.endsWith(".md")) return text.split("\n").filter((line) => /^\s*#/.test(line));
  const blocks = [...text.matchAll(/^\s*```(?:bash|sh|shell)\n([\s\S]*?)^\s*```/gm)].map(
    (m) => m[1] ?? "",
  );
  const prose = text.replace(/^\s*```[\s\S]*?^\s*```/gm, "");
  const spans = [...prose.matchAll(/`([^`\n]+)`/g)].map((m) => m[1] ?? "");
  return [...blocks.map((b) => `\n${b.replace(/\\\n\s*/g, " ")}`), ...spans];
}

interface Mention {
  file: string;
  program: Program;
  words: string[];
  /** Found in a code span, which may quote a message rather than a command line. */
  span: boolean;
}

/** Words after the program's name in quoted messages ("chat-server is running, ..."). */
const MESSAGE_WORDS = new Set(["is", "does", "needs", "nodes", "listening", "was", "has"]);

/** Where a program is run: at a command's start, not as `sudo -u`'s user or in a path. */
function mentions(file: string): Mention[] {
  const found: Mention[] = [];
  for (const code of codeOf(file)) {
    // Shell blocks are given with a leading newline; code spans without.
    const span = !code.startsWith("\n");
    for (const line of code.split("\n")) {
      const tokens = line
        .replace(/#.*$/, "")
        .replace(/\$\([^)]*\)/g, "X")
        .split(/\s+/)
        .filter(Boolean);
      tokens.forEach((token, i) => {
        const program = token.replace(/^\$\(/, "") as Program;
        // After an option (sudo -u, install -o and -g) the name is a user's, not a command.
        if (!(program in COMMANDS) || /^-\w$/.test(tokens[i - 1] ?? "")) return;
        const words: string[] = [];
        for (const next of tokens.slice(i + 1)) {
          if (/^(\||&&|;|>|2>|<|\)|\.\.\.)/.test(next)) break;
          words.push(next);
        }
        found.push({ file, program, words, span });
      });
    }
  }
  return found;
}

function files(): string[] {
  const deploy = readdirSync(join(REPO, "deploy"), { withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => `deploy/${entry.name}`);
  return [...documents(), ...deploy];
}

/** What is wrong with one mention, if anything. */
function problem(mention: Mention, known: Usage): string | undefined {
  const { words } = mention;
  const paths = [...known.commands.keys()].sort((a, b) => b.length - a.length);
  const path =
    paths.find((p) => p !== "" && words.slice(0, p.split(" ").length).join(" ") === p) ?? "";
  const rest = words.slice(path === "" ? 0 : path.split(" ").length);
  const first = rest[0] ?? "";
  const isGroup = paths.some((p) => p.startsWith(`${first} `));
  const quoted = mention.span && (MESSAGE_WORDS.has(first) || /[,:;]/.test(rest.join(" ")));
  if (quoted) return undefined;
  if (path === "" && /^[a-z][a-z-]*$/.test(first)) {
    return isGroup
      ? `unknown action "${rest.slice(0, 2).join(" ")}"`
      : `unknown subcommand "${first}"`;
  }
  const flags = known.commands.get(path) ?? new Set<string>();
  for (const word of rest) {
    const flag = word.match(/^--?[a-z][a-z0-9-]*/)?.[0];
    if (flag && flag !== "--" && !flags.has(flag) && !known.global.has(flag)) {
      return `"${path || mention.program}" does not take ${flag}`;
    }
  }
  return undefined;
}

describe("chat-server and chat-client in the docs, against their --help", () => {
  for (const program of Object.keys(COMMANDS) as Program[]) {
    it(`names only ${program} subcommands and flags that --help lists`, () => {
      execFileSync(process.execPath, [COMMANDS[program], "--version"]);
      const known = usage(program);
      assert.ok(known.commands.size > 1, `no usage lines in ${program} --help`);
      const wrong = files()
        .flatMap(mentions)
        .filter((m) => m.program === program)
        .flatMap((m) => {
          const what = problem(m, known);
          return what ? [`${m.file}: ${program} ${m.words.join(" ")}: ${what}`] : [];
        });
      assert.deepEqual([...new Set(wrong)], []);
    });
  }
});
