/**
 * A machine as docs/DEPLOYMENT.md leaves it after its steps 1 to 7, inside a temporary
 * directory, for running the documentation's shell blocks (docs-commands.test.ts):
 * the configuration of step 4, the folders of step 2, the `chat-server` and `chat-client`
 * commands of step 3 (deploy/chat-server and deploy/chat-client themselves), and a
 * `systemctl` that starts and stops the server as deploy/chat-server.service would.
 *
 * A block runs after these substitutions, in this order (the documented table):
 *
 * | in the docs                              | in the test                                   |
 * | ---------------------------------------- | --------------------------------------------- |
 * | `sudo -u chat-server -H `, `sudo -u chat-server `, `sudo ` | nothing: the test runs as one user |
 * | ` -o chat-server -g chat-server`         | nothing (`install` keeps the test's user)     |
 * | `/opt/chat-server/config.toml`, `/etc/chat/config.toml` | `<root>/opt/chat-server/config.toml` |
 * | `/opt/chat-server`                        | this checkout (code, `deploy/`, `dist/`)      |
 * | `/var/lib/chat-server`, `/var/backups/chat-server`, `/etc/chat-server`, `/usr/local/bin` | the same under `<root>` |
 * | `/usr/bin/node`                           | the Node.js running the tests                 |
 * | `https://chat.example.com`, `http://localhost:8080`, `http://127.0.0.1:8080`, `127.0.0.1:8080` | the test server's address |
 * | `read -r -s -p "password: " PASSWORD`     | `PASSWORD=` the last `password: ...` a command printed |
 * | `/var/backups/chat-server/chat_20251216_020000.backup` (a backup's example name) | the newest such backup there |
 *
 * On the PATH first: `chat-server`, `chat-client`, `systemctl` (start, stop and restart
 * of `chat-server` only; anything else fails, so blocks needing it are host-only) and a
 * `curl` that fails on HTTP 400, 404, 405 and 5xx, so a wrong route or body is caught.
 */
import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO, type ShellBlock } from "./doc-blocks.js";

export interface Sandbox {
  root: string;
  url: string;
  port: number;
  config: string;
  serverLog: string;
  substitute(text: string): string;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The table above, longest match first where entries overlap. */
function substitutions(root: string, url: string, port: number): [string, string][] {
  const config = `${root}/opt/chat-server/config.toml`;
  return [
    ["sudo -u chat-server -H ", ""],
    ["sudo -u chat-server ", ""],
    ["sudo ", ""],
    [" -o chat-server -g chat-server", ""],
    ['read -r -s -p "password: " PASSWORD', "PASSWORD=$(doc_test_password)"],
    [
      "/var/backups/chat-server/chat_20251216_020000.backup",
      `$(ls -t ${root}/var/backups/chat-server/chat_*.backup | head -n 1)`,
    ],
    ["/opt/chat-server/config.toml", config],
    ["/etc/chat/config.toml", config],
    ["/opt/chat-server", REPO],
    ["/var/lib/chat-server", `${root}/var/lib/chat-server`],
    ["/var/backups/chat-server", `${root}/var/backups/chat-server`],
    ["/etc/chat-server", `${root}/etc/chat-server`],
    ["/usr/local/bin", `${root}/usr/local/bin`],
    ["/usr/bin/node", process.execPath],
    ["https://chat.example.com", url],
    ["http://localhost:8080", url],
    ["http://127.0.0.1:8080", url],
    ["127.0.0.1:8080", `127.0.0.1:${port}`],
  ];
}

/** Replaces in one pass, so that no replacement is itself replaced again. */
function applyAll(text: string, table: [string, string][]): string {
  const quote = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const pattern = new RegExp(table.map(([from]) => quote(from)).join("|"), "g");
  const to = new Map(table);
  return text.replace(pattern, (match) => to.get(match) ?? match);
}

function writeExecutable(path: string, text: string): void {
  writeFileSync(path, text);
  chmodSync(path, 0o755);
}

/** The single-server configuration of docs/DEPLOYMENT.md step 4, made concrete. */
function configFromGuide(table: [string, string][], port: number): string {
  const guide = readFileSync(join(REPO, "docs/DEPLOYMENT.md"), "utf8");
  const block = guide.match(/```toml\n([\s\S]*?)```/)?.[1];
  if (!block) throw new Error("docs/DEPLOYMENT.md has no TOML block in step 4");
  return applyAll(block, table)
    .replace(/^port = 8080/m, `port = ${port}`)
    .replace(/^jwt_secret = .*$/m, `jwt_secret = "${randomBytes(32).toString("base64")}"`);
}

const SYSTEMCTL = (exec: string, workdir: string, pidFile: string, log: string, url: string) =>
  `#!/bin/bash
# systemctl for the doc tests: start, stop and restart chat-server as its unit would.
set -u
action=\${1:-}; unit=\${2:-}
if [ "$unit" != chat-server ] || [[ ! "$action" =~ ^(start|stop|restart)$ ]]; then
  echo "systemctl $*: not available in the doc tests (mark the block host-only)" >&2
  exit 1
fi
stop() {
  [ -f ${pidFile} ] || return 0
  pid=$(cat ${pidFile})
  kill -TERM "$pid" 2>/dev/null
  for _ in $(seq 1 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  rm -f ${pidFile}
}
start() {
  [ -f ${pidFile} ] && return 0
  (cd ${workdir} && exec ${exec} >>${log} 2>&1 </dev/null) &
  echo $! > ${pidFile}
  for _ in $(seq 1 300); do
    kill -0 "$(cat ${pidFile})" 2>/dev/null || { rm -f ${pidFile}; echo "chat-server exited; see ${log}" >&2; exit 1; }
    [ "$(/usr/bin/env curl -s -o /dev/null -w '%{http_code}' ${url}/health 2>/dev/null)" = 200 ] && return 0
    sleep 0.1
  done
  echo "chat-server did not answer /health" >&2; exit 1
}
case "$action" in
  start) start ;;
  stop) stop ;;
  restart) stop; start ;;
esac
`;

const CURL = (realCurl: string) => `#!/bin/bash
# curl for the doc tests: as the real one, but an answer that says the request itself was
# wrong (400, 404, 405) or that the server failed (5xx) is a failure.
headers=$(mktemp)
${realCurl} -D "$headers" "$@"
code=$?
status=$(awk 'toupper($1) ~ /^HTTP\\// { s = $2 } END { print s }' "$headers")
rm -f "$headers"
[ "$code" -eq 0 ] || exit "$code"
case "$status" in
  400|404|405|5??) echo "curl: HTTP $status (doc test)" >&2; exit 22 ;;
esac
exit 0
`;

export async function createSandbox(): Promise<Sandbox> {
  const root = mkdtempSync(join(tmpdir(), "chat-doc-test-"));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const table = substitutions(root, url, port);
  const substitute = (text: string) => applyAll(text, table);
  const bin = join(root, "usr/local/bin");
  for (const dir of [
    "opt/chat-server",
    "var/lib/chat-server",
    "var/backups/chat-server",
    "usr/local/bin",
    "home",
    "run",
  ]) {
    mkdirSync(join(root, dir), { recursive: true, mode: 0o700 });
  }
  const config = join(root, "opt/chat-server/config.toml");
  writeFileSync(config, configFromGuide(table, port), { mode: 0o600 });
  for (const command of ["chat-server", "chat-client"]) {
    const shipped = readFileSync(join(REPO, "deploy", command), "utf8");
    writeExecutable(join(bin, command), substitute(shipped));
  }
  const unit = readFileSync(join(REPO, "deploy/chat-server.service"), "utf8");
  const exec = substitute(unit.match(/^ExecStart=(.*)$/m)?.[1] ?? "");
  const workdir = substitute(unit.match(/^WorkingDirectory=(.*)$/m)?.[1] ?? "");
  const serverLog = join(root, "server.log");
  writeExecutable(
    join(bin, "systemctl"),
    SYSTEMCTL(exec, workdir, join(root, "run/chat-server.pid"), serverLog, url),
  );
  const realCurl = execFileSync("bash", ["-c", "command -v curl"], { encoding: "utf8" }).trim();
  writeExecutable(join(bin, "curl"), CURL(realCurl));
  return { root, url, port, config, serverLog, substitute };
}

export interface DocRun {
  code: number | null;
  /** Where the first failing block is, and the command that failed. */
  failed: string;
  transcript: string;
}

/**
 * Runs the blocks in one bash process, in order (a block may use what an earlier one set,
 * as a reader's shell would), after `prelude` (the test's own setup for this document).
 * Stops at the first command that fails.
 */
export async function runBlocks(
  sandbox: Sandbox,
  blocks: ShellBlock[],
  prelude = "",
): Promise<DocRun> {
  const transcript = join(sandbox.root, "transcript.txt");
  const failed = join(sandbox.root, "failed.txt");
  writeFileSync(transcript, "");
  writeFileSync(failed, "");
  const parts = [
    "set -eE -o pipefail",
    `trap 'echo "$doc_test_block: $BASH_COMMAND (status $?)" > ${failed}' ERR`,
    `doc_test_password() { grep -o '^password: .*' ${transcript} | tail -n 1 | cut -c 11-; }`,
    'cd "$HOME"',
    `doc_test_block="setup"; { ${prelude || ":"}\n} >>${transcript} 2>&1`,
  ];
  for (const block of blocks) {
    const where = `${block.doc}:${block.line}`;
    parts.push(
      `doc_test_block=${JSON.stringify(where)}; printf "\\n### %s\\n" ${JSON.stringify(where)} >>${transcript}`,
      `{\n${sandbox.substitute(block.text)}\n} >>${transcript} 2>&1`,
    );
  }
  const script = join(sandbox.root, "doc.sh");
  writeFileSync(script, `${parts.join("\n")}\n`);
  const child = spawn("bash", [script], {
    cwd: join(sandbox.root, "home"),
    env: {
      ...process.env,
      PATH: `${join(sandbox.root, "usr/local/bin")}:${process.env.PATH}`,
      HOME: join(sandbox.root, "home"),
      XDG_CONFIG_HOME: join(sandbox.root, "home/.config"),
      GNUPGHOME: join(sandbox.root, "home/.gnupg"),
    },
    stdio: ["ignore", "inherit", "inherit"],
  });
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  return {
    code,
    failed: readFileSync(failed, "utf8").trim(),
    transcript: readFileSync(transcript, "utf8"),
  };
}
