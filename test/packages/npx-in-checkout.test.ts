/**
 * `npx chat-server ...` in a checkout, as the README has the operator run it: npm installs
 * the checkout itself into npx's cache (the root package.json names the bin), and must not
 * run the build while doing so: that rewrites dist/ under a running server.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** Every file under dir with its modification time. */
function mtimes(dir: string): Map<string, number> {
  const times = new Map<string, number>();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    times.set(path, statSync(path).mtimeMs);
  }
  return times;
}

it("npx chat-server --help runs the built program without building", async () => {
  // The server's build and the web app it serves at /.
  const built = () =>
    new Map([...mtimes(join(ROOT, "dist")), ...mtimes(join(ROOT, "packages/web/dist"))]);
  const before = built();
  assert.ok(before.size > 0, "dist/ is built (npm run build)");
  const result = await promisify(execFile)("npx", ["--yes", "chat-server", "--help"], {
    cwd: ROOT,
    env: {
      ...process.env,
      // A fresh npx cache: a stale one could hide the install npx makes on a first call.
      npm_config_cache: mkdtempSync(join(tmpdir(), "npx-cache-")),
      npm_config_update_notifier: "false",
      npm_config_fund: "false",
      npm_config_audit: "false",
    },
  });
  assert.match(result.stdout, /^chat-server \d+\.\d+\.\d+: the Private Chat server\n/);
  assert.doesNotMatch(result.stderr, /npm run build|tsc -b/);
  assert.deepEqual(built(), before);
});
