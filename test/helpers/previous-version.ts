/**
 * A runnable copy of an earlier commit of this repository, for upgrade tests: its files
 * from `git archive`, run from source like the current tree (no build), with this
 * checkout's installed dependencies linked in, but its own workspace packages (protocol,
 * SDK...) so that the old server speaks the old protocol.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));

/**
 * The version a rolling upgrade starts from: CHAT_UPGRADE_FROM (a tag or commit), else
 * the newest release tag, else the last commit before migrations had phases.
 */
export const DEFAULT_PREVIOUS = "a93a58782e2c2b9a0c9e097f33aa1b2318121f58";

function git(args: string[]): string {
  return execFileSync("git", args, {
    cwd: REPO_ROOT,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "ignore"],
  }).trim();
}

export function previousRevision(): string {
  const chosen = process.env.CHAT_UPGRADE_FROM;
  if (chosen) return chosen;
  try {
    return git(["describe", "--tags", "--abbrev=0", "HEAD^"]);
  } catch {
    return DEFAULT_PREVIOUS;
  }
}

/**
 * Packages an earlier version imports under a name this checkout no longer installs,
 * with the drop-in successor installed instead (same API): the SQLite driver became its
 * fork with encryption at rest.
 */
const SUCCESSORS: Record<string, string> = {
  "better-sqlite3": "better-sqlite3-multiple-ciphers",
};

export interface PreviousVersion {
  revision: string;
  /** The copy's root: its src/cli/chat-server.ts is the old command. */
  root: string;
  remove(): void;
}

export function checkoutPrevious(revision = previousRevision()): PreviousVersion {
  try {
    git(["cat-file", "-e", `${revision}^{commit}`]);
  } catch {
    throw new Error(
      `the upgrade test starts from ${revision}, which this clone lacks (a shallow clone?): fetch the full history, or set CHAT_UPGRADE_FROM to a commit it has`,
    );
  }
  const root = mkdtempSync(join(tmpdir(), "chat-previous-"));
  try {
    const archive = execFileSync("git", ["archive", "--format=tar", revision], {
      cwd: REPO_ROOT,
      maxBuffer: 512 * 1024 * 1024,
    });
    execFileSync("tar", ["-x", "-C", root], { input: archive });
    // Every installed package but the workspace's own, which point at the copy's packages/.
    const modules = join(root, "node_modules");
    mkdirSync(modules);
    const installed = readdirSync(join(REPO_ROOT, "node_modules"));
    for (const name of installed) {
      if (name === "@private-chat") continue;
      symlinkSync(join(REPO_ROOT, "node_modules", name), join(modules, name));
    }
    for (const [old, successor] of Object.entries(SUCCESSORS)) {
      if (!installed.includes(old) && installed.includes(successor))
        symlinkSync(join(REPO_ROOT, "node_modules", successor), join(modules, old));
    }
    mkdirSync(join(modules, "@private-chat"));
    for (const name of readdirSync(join(root, "packages"))) {
      symlinkSync(join(root, "packages", name), join(modules, "@private-chat", name));
    }
  } catch (err) {
    rmSync(root, { recursive: true, force: true });
    throw err;
  }
  return { revision, root, remove: () => rmSync(root, { recursive: true, force: true }) };
}
