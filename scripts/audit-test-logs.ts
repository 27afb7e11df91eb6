/**
 * Audits the logs of a whole test run for credentials: JWTs (access tokens and socket
 * tickets, which are JWTs of their own type), tokens or tickets in a query string, and
 * the passwords the test factories use. Prints each finding as file:line and exits 1;
 * also exits 1 when it read no log line at all, so it can never pass by looking at nothing.
 *
 *   node --import tsx scripts/audit-test-logs.ts [DIR]   (default: $CHAT_TEST_LOG_DIR)
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { TEST_PASSWORD_PREFIX } from "../test/helpers/factories.js";

export const CREDENTIAL_PATTERNS: { kind: string; pattern: RegExp }[] = [
  // A base64url JSON header: `{"` encodes to eyJ. Tickets are JWTs too.
  { kind: "JWT or socket ticket", pattern: /eyJ[A-Za-z0-9_-]{10,}\./ },
  { kind: "personal access token", pattern: /pct_[A-Za-z0-9]{40}/ },
  { kind: "credential in a query string", pattern: /[?&](?:token|ticket)=[^&\s"]{8,}/ },
  { kind: "test password", pattern: new RegExp(TEST_PASSWORD_PREFIX) },
  { kind: "test password", pattern: /correct horse battery/ },
];

export interface Finding {
  file: string;
  line: number;
  kind: string;
  /** The start of the match only: the report must not repeat the secret. */
  excerpt: string;
}

export interface AuditResult {
  files: number;
  lines: number;
  findings: Finding[];
}

export function auditText(text: string, file: string): { lines: number; findings: Finding[] } {
  const findings: Finding[] = [];
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  lines.forEach((content, index) => {
    for (const { kind, pattern } of CREDENTIAL_PATTERNS) {
      const match = pattern.exec(content);
      if (match)
        findings.push({ file, line: index + 1, kind, excerpt: `${match[0].slice(0, 8)}…` });
    }
  });
  return { lines: lines.length, findings };
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

export function auditDir(dir: string): AuditResult {
  const result: AuditResult = { files: 0, lines: 0, findings: [] };
  for (const file of filesUnder(dir)) {
    const { lines, findings } = auditText(readFileSync(file, "utf8"), file);
    result.files += 1;
    result.lines += lines;
    result.findings.push(...findings);
  }
  return result;
}

function main(): number {
  const dir = process.argv[2] ?? process.env.CHAT_TEST_LOG_DIR;
  if (!dir) {
    process.stderr.write("usage: audit-test-logs.ts DIR (or set CHAT_TEST_LOG_DIR)\n");
    return 2;
  }
  let result: AuditResult;
  try {
    result = auditDir(dir);
  } catch (err) {
    process.stderr.write(`log audit: cannot read ${dir}: ${(err as Error).message}\n`);
    return 1;
  }
  if (result.lines === 0) {
    process.stderr.write(`log audit: no log lines in ${dir}; the test servers kept no logs\n`);
    return 1;
  }
  for (const f of result.findings)
    process.stderr.write(`${f.file}:${f.line}: ${f.kind} (${f.excerpt})\n`);
  const summary = `log audit: ${result.lines} lines in ${result.files} files, ${result.findings.length} findings\n`;
  if (result.findings.length > 0) {
    process.stderr.write(summary);
    return 1;
  }
  process.stdout.write(summary);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = main();
}
