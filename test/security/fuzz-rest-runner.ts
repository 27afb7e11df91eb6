/**
 * Sends REST fuzz cases in batches with bounded concurrency and judges every answer: it
 * must be a 4xx with a catalogue error body, never a 2xx or a 5xx. Between batches
 * /health must answer 200 and no table may have gained or lost a row.
 */
import assert from "node:assert/strict";
import { contractProblem } from "../helpers/openapi-contract.js";
import type { FuzzCase } from "./fuzz-rest-cases.js";
import type { Fixture } from "./fuzz-rest-endpoints.js";
import { errorBodyProblem, mapLimit, preview, rawRequest, rowCounts } from "./support.js";

const BATCH = 500;
const CONCURRENCY = 16;
const BODY_LIMIT = 1024 * 1024; // the default [server] body_limit_bytes

/** Answers by status and code, for the test's diagnostics. */
export const tally = new Map<string, number>();

interface Failure {
  endpoint: string;
  status: number;
  problem: string;
  body: string;
}

async function send(f: Fixture, c: FuzzCase): Promise<Failure | undefined> {
  const token =
    c.endpoint.auth === "none"
      ? undefined
      : c.endpoint.auth === "pw"
        ? f.pwUser.token
        : f.admin.token; // the admin owns the group and wrote ownMessage
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (c.contentType !== undefined) headers["content-type"] = c.contentType;
  const path = c.endpoint.path(f, !c.realTarget);
  let res: Awaited<ReturnType<typeof rawRequest>>;
  try {
    res = await rawRequest(f.server.url, c.endpoint.method, path, { body: c.body, headers });
  } catch (err) {
    // Past the body limit the server may answer 413 and close before the upload ends.
    const code = (err as NodeJS.ErrnoException).code;
    if (c.body.length > BODY_LIMIT && (code === "EPIPE" || code === "ECONNRESET")) return undefined;
    return {
      endpoint: c.endpoint.name,
      status: 0,
      problem: `request failed: ${(err as Error).message}`,
      body: preview(c.body),
    };
  }
  const code = (res.json as { error?: { code?: string } } | undefined)?.error?.code;
  const key = `${c.endpoint.name} ${res.status} ${code ?? "-"}`;
  tally.set(key, (tally.get(key) ?? 0) + 1);
  let problem: string | undefined;
  if (res.status >= 500) problem = `server error ${res.status}: ${res.text.slice(0, 200)}`;
  else if (res.status < 400) problem = `accepted (${res.status}): ${res.text.slice(0, 200)}`;
  else problem = errorBodyProblem(res.status, res.json);
  // Every answer, refusals included, must be one the OpenAPI document describes.
  problem ??= await contractProblem({
    method: c.endpoint.method,
    url: new URL(path, f.server.url),
    status: res.status,
    contentType: res.json === undefined ? null : "application/json",
    text: res.text,
    body: res.json,
  });
  return problem === undefined
    ? undefined
    : {
        endpoint: `${c.endpoint.name} ${c.endpoint.method} ${path}`,
        status: res.status,
        problem,
        body: preview(c.body),
      };
}

export async function runFuzz(f: Fixture, cases: FuzzCase[]): Promise<{ failures: Failure[] }> {
  const failures: Failure[] = [];
  const baseline = await rowCounts(f.server.ctx.store);
  for (let start = 0; start < cases.length; start += BATCH) {
    const batch = cases.slice(start, start + BATCH);
    const results = await mapLimit(batch, CONCURRENCY, (c) => send(f, c));
    for (const r of results) if (r) failures.push(r);
    const health = await rawRequest(f.server.url, "GET", "/health");
    assert.equal(health.status, 200, `/health after batch ${start / BATCH}: ${health.text}`);
    assert.deepEqual(
      await rowCounts(f.server.ctx.store),
      baseline,
      `rows changed in batch ${start / BATCH}`,
    );
  }
  return { failures };
}

export function failureReport(failures: Failure[]): string {
  const lines = failures
    .slice(0, 15)
    .map((x) => `- ${x.endpoint} -> ${x.status}: ${x.problem}\n    body: ${x.body}`);
  return `${failures.length} of the fuzz requests misbehaved:\n${lines.join("\n")}`;
}
