/**
 * The run-wide log auditor (scripts/audit-test-logs.ts): it flags planted credentials
 * with file:line, passes clean logs, and refuses to pass when it read nothing.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { auditText } from "../../scripts/audit-test-logs.js";
import { SOURCE_NODE_ARGS } from "../../scripts/source-node-args.js";
import { DEFAULT_TEST_PASSWORD } from "../helpers/factories.js";
import { startTestServer } from "../helpers/server.js";

const SCRIPT = fileURLToPath(new URL("../../scripts/audit-test-logs.ts", import.meta.url));
const CLEAN_LINE = '{"level":30,"time":1,"msg":"request","url":"/api/v1/me","status":200}';
// Shaped like a real token; signed by nobody.
const PLANTED_JWT = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLW5vdC1yZWFs";

const dirs: string[] = [];
function logDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "chat-audit-"));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

function audit(dir: string) {
  const run = spawnSync(process.execPath, [...SOURCE_NODE_ARGS, SCRIPT, dir], {
    encoding: "utf8",
    timeout: 60_000,
  });
  return { code: run.status, output: `${run.stdout}${run.stderr}` };
}

describe("test log audit", () => {
  after(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it("passes a clean log and reports what it read", () => {
    const result = audit(logDir({ "a.log": `${CLEAN_LINE}\n${CLEAN_LINE}\n` }));
    assert.equal(result.code, 0, result.output);
    assert.match(result.output, /2 lines in 1 files, 0 findings/);
  });

  it("flags a planted token, ticket in a URL and test password with file:line", () => {
    const dir = logDir({
      "clean.log": `${CLEAN_LINE}\n`,
      "leaky.log": [
        CLEAN_LINE,
        `{"level":50,"msg":"oops","authorization":"Bearer ${PLANTED_JWT}"}`,
        `{"level":30,"url":"/socket?ticket=abcdefgh12345678"}`,
        `{"level":30,"body":{"password":"${DEFAULT_TEST_PASSWORD}"}}`,
      ].join("\n"),
    });
    const result = audit(dir);
    assert.equal(result.code, 1, result.output);
    assert.match(result.output, /leaky\.log:2: JWT or socket ticket/);
    assert.match(result.output, /leaky\.log:3: credential in a query string/);
    assert.match(result.output, /leaky\.log:4: test password/);
    assert.doesNotMatch(result.output, /clean\.log/);
    assert.ok(!result.output.includes(PLANTED_JWT), "the report does not repeat the secret");
  });

  it("fails when there is nothing to read", () => {
    assert.equal(audit(logDir({})).code, 1);
    assert.equal(audit(logDir({ "empty.log": "" })).code, 1);
  });

  it("scans real server log lines without findings (the server logs no credentials)", async () => {
    const server = await startTestServer({}, { dir: logDir({}) });
    try {
      await fetch(`${server.url}/api/v1/me`, {
        headers: { authorization: `Bearer ${PLANTED_JWT}` },
      });
      await fetch(`${server.url}/api/v1/sync?since=0&token=${PLANTED_JWT}`);
    } finally {
      await server.stop();
    }
    const { lines, findings } = auditText(readFileSync(server.logFile, "utf8"), "server.log");
    assert.ok(lines > 0);
    assert.deepEqual(findings, []);
  });
});
