/**
 * The `prepare` step of `npm ci` / `npm install` in a checkout: builds dist/.
 *
 * npm also runs a package's prepare when it installs that package, and `npx chat-server`
 * in a checkout installs the checkout itself into npx's cache (a link to it, because the
 * root package.json names the bin). A build then would rewrite dist/ under a running
 * server and delay the command by the length of a build; npx sets npm_command to "exec",
 * and the program it runs is the one already built.
 */
import { spawnSync } from "node:child_process";

if (process.env.npm_command === "exec") process.exit(0);
const npm = process.env.npm_execpath;
const result = npm
  ? spawnSync(process.execPath, [npm, "run", "build"], { stdio: "inherit" })
  : spawnSync("npm", ["run", "build"], { stdio: "inherit", shell: process.platform === "win32" });
process.exit(result.status ?? 1);
