/**
 * The OpenAPI property fuzz: reads the running server's OpenAPI document, and for every
 * operation checks with fast-check, one request at a time, that generated and mutated
 * requests never get a 5xx, that every 4xx carries a catalogue error body whose status
 * matches its code, and that a 4xx stored nothing (row counts, content digest and the
 * files under the uploads directory unchanged). /health must answer 200 at the end.
 * The seed comes from CHAT_FUZZ_SEED (or FUZZ_SEED), else it is random and printed; a
 * failure prints the seed and path that replay it.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import type { BrokenFile } from "../attachments/broken-images.js";
import { filesUnder } from "../attachments/support.js";
import { startTestServer } from "../helpers/server.js";
import { type ApiCase, jsonCase, type Operation, operationsOf } from "./fuzz-openapi-cases.js";
import { uploadCase, uploadFiles } from "./fuzz-openapi-uploads.js";
import { type OpenApiWorld, setUpWorld } from "./fuzz-openapi-world.js";
import { errorBodyProblem, preview, rawRequest, storeFingerprint } from "./support.js";

/** Small, so that files over the limit are cheap to send. */
const MAX_FILE_BYTES = 64 * 1024;

export function openApiSeed(): number {
  for (const name of ["CHAT_FUZZ_SEED", "FUZZ_SEED"]) {
    const value = Number(process.env[name]);
    if (process.env[name] && Number.isSafeInteger(value)) return value;
  }
  return Math.floor(Math.random() * 2 ** 31);
}

export interface Figures {
  operations: number;
  cases: number;
  uploads: number;
  /** Distinct files (by name and form shape) the uploads carried. */
  files: Set<string>;
  /** "METHOD path status" -> count. */
  answers: Map<string, number>;
  /** "METHOD path" -> milliseconds spent on its cases. */
  time: Map<string, number>;
}

/** Reads that write an audit row when they succeed (the data exports). */
const AUDITED_READS = /\/export$/;

/** Requests that may end the caller's own session when they succeed. */
const ENDS_SESSION = /\/(logout|revoke-all|sessions)\b/;

async function send(world: OpenApiWorld, c: ApiCase) {
  const headers: Record<string, string> = {};
  if (c.auth === "caller") headers.authorization = `Bearer ${world.admin.token}`;
  if (c.auth === "garbage") headers.authorization = "Bearer not.a.token";
  if (c.contentType !== undefined) headers["content-type"] = c.contentType;
  try {
    return await rawRequest(world.server.url, c.op.method, c.target, { body: c.body, headers });
  } catch (err) {
    // Past the size limit the server may answer and close before the upload ends.
    const code = (err as NodeJS.ErrnoException).code;
    const big = (c.body?.length ?? 0) > MAX_FILE_BYTES;
    if (big && (code === "EPIPE" || code === "ECONNRESET")) return undefined;
    throw err;
  }
}

function describeCase(c: ApiCase): string {
  const body = c.file ?? (c.body === undefined ? "no body" : preview(c.body, 200));
  return `${c.op.method} ${preview(c.target, 200)} [${c.auth}, ${c.contentType ?? "no type"}] ${body}`;
}

/** Runs `runs` cases for each operation; throws on the first misbehaviour. */
export async function fuzzOperations(
  world: OpenApiWorld,
  ops: Operation[],
  files: BrokenFile[],
  seed: number,
  runs: (op: Operation) => number,
): Promise<Figures> {
  const figures: Figures = {
    operations: 0,
    cases: 0,
    uploads: 0,
    files: new Set(),
    answers: new Map(),
    time: new Map(),
  };
  const uploadsDir = join(world.server.dir, "uploads");
  const fingerprint = async () =>
    `${await storeFingerprint(world.server.ctx.store)} files:${filesUnder(uploadsDir).length}`;
  let stored = await fingerprint();
  for (const op of ops) {
    figures.operations++;
    const cases = (op.upload ? uploadCase(world, op, files) : jsonCase(world, op)).map((c) =>
      Object.assign(c, { [fc.toStringMethod]: () => describeCase(c) }),
    );
    const property = fc.asyncProperty(cases, async (c) => {
      figures.cases++;
      if (c.file) {
        figures.uploads++;
        figures.files.add(c.file);
      }
      const res = await send(world, c);
      const status = res?.status ?? 413;
      const key = `${op.method} ${op.path} ${status}`;
      figures.answers.set(key, (figures.answers.get(key) ?? 0) + 1);
      assert.ok(status < 500, `server error ${status}: ${res?.text.slice(0, 300)}`);
      if (status >= 400) {
        if (res)
          assert.equal(errorBodyProblem(status, res.json), undefined, res.text.slice(0, 300));
        assert.equal(await fingerprint(), stored, `a ${status} answer stored something`);
        return;
      }
      if (ENDS_SESSION.test(op.path)) await world.ensureSession();
      // A read stores nothing: only a write's success moves the fingerprint on, and an
      // export's, which records itself in the audit log.
      if (op.method !== "GET" || AUDITED_READS.test(op.path)) stored = await fingerprint();
    });
    const started = Date.now();
    await fc.assert(property, {
      seed,
      numRuns: runs(op),
      endOnFailure: true,
      includeErrorInReport: true,
    });
    figures.time.set(`${op.method} ${op.path}`, Date.now() - started);
  }
  return figures;
}

/**
 * `npm test`'s cases are a short run; CHAT_FUZZ_RUNS_FACTOR multiplies them for a long one
 * (the seed differs between runs, so short runs also add up to more cases over time).
 */
function runsFactor(): number {
  const factor = Number(process.env.CHAT_FUZZ_RUNS_FACTOR ?? 1);
  return Number.isFinite(factor) && factor > 0 ? factor : 1;
}

/** The whole suite on one engine, `runs` cases per operation (uploads get `runs.uploads`). */
export function describeOpenApiFuzz(
  database: "sqlite" | "postgres",
  short: { perOperation: number; uploads: number },
): void {
  const factor = runsFactor();
  const runs = {
    perOperation: Math.ceil(short.perOperation * factor),
    uploads: Math.ceil(short.uploads * factor),
  };
  describe(`security: OpenAPI property fuzz [${database}]`, () => {
    let world: OpenApiWorld;
    let ops: Operation[];
    let files: BrokenFile[];

    before(async () => {
      const server = await startTestServer(
        { rate_limit: { enabled: false }, uploads: { max_file_bytes: MAX_FILE_BYTES } },
        { database },
      );
      world = await setUpWorld(server);
      const doc = await rawRequest(server.url, "GET", "/api/v1/openapi.json");
      assert.equal(doc.status, 200);
      ops = operationsOf(doc.json as Parameters<typeof operationsOf>[0]);
      files = await uploadFiles(MAX_FILE_BYTES);
    });
    after(() => world?.server.stop());

    it("every operation, valid and mutated input: no 5xx, catalogue 4xx, nothing stored on a 4xx", async (t) => {
      const seed = openApiSeed();
      t.diagnostic(`seed ${seed} (replay with CHAT_FUZZ_SEED=${seed})`);
      const started = Date.now();
      const figures = await fuzzOperations(world, ops, files, seed, (op) =>
        op.upload ? runs.uploads : runs.perOperation,
      );
      const statuses = new Map<string, number>();
      for (const [key, n] of figures.answers) {
        const status = key.slice(key.lastIndexOf(" ") + 1);
        statuses.set(status, (statuses.get(status) ?? 0) + n);
      }
      t.diagnostic(
        `${figures.operations} operations, ${figures.cases} cases, ${figures.uploads} uploads of ${figures.files.size} distinct files/forms (${files.length} prepared files), ${Date.now() - started} ms`,
      );
      t.diagnostic(
        `answers by status: ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`,
      );
      const slowest = [...figures.time].sort((x, y) => y[1] - x[1]).slice(0, 6);
      t.diagnostic(`slowest operations (ms): ${JSON.stringify(Object.fromEntries(slowest))}`);
      assert.ok(figures.operations >= 40, `the document lists ${figures.operations} operations`);
      const health = await rawRequest(world.server.url, "GET", "/health");
      assert.equal(health.status, 200, `/health after the run: ${health.text}`);
    });
  });
}
