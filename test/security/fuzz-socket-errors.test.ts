/**
 * Socket frame fuzzing: 10,000 generated frames (broken JSON, non-objects, wrong and
 * unknown types, unknown and prototype fields, huge and overflowing numbers, deep nesting,
 * binary frames) over a few real sockets, with REST rate limits off (the per-socket budget
 * is then 10,000 frames a second).
 *
 * Every frame is built to be refused, so each must be answered by exactly one `error`
 * frame with a catalogue code (never internal_error) carrying the frame's id when it had
 * one; a ping after each batch must get its pong, /health must stay 200, and nothing may
 * be stored. Error frames must also echo hostile ids verbatim and stay JSON. Set FUZZ_SEED
 * to explore other runs.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import WebSocket from "ws";
import { startTestServer } from "../helpers/server.js";
import { connect, type Frame, type TestSocket } from "../helpers/socket.js";
import { type Fixture, setUpFixture, stillServing } from "./fuzz-socket-fixture.js";
import { expectedErrorId, frameArbitrary, mustFail, type Outgoing } from "./fuzz-socket-frames.js";
import { fuzzSeed, isCatalogueCode, preview, rawRequest, rowCounts } from "./support.js";

const TOTAL_FRAMES = 10_000;
const SOCKETS = 4;
// Below the 256 frames a socket may have queued before it is closed for flooding.
const BATCH = 200;

function sendFrame(socket: TestSocket, frame: Outgoing): void {
  if (frame.kind === "binary") socket.ws.send(frame.bytes, { binary: true });
  else socket.ws.send(frame.text);
}

async function waitFor(condition: () => boolean, timeoutMs: number, what: () => string) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

interface BatchProblem {
  batch: string;
  problem: string;
}

/** Sends one batch on `socket`, then a ping; checks the answers. */
async function runBatch(
  socket: TestSocket,
  frames: Outgoing[],
  label: string,
): Promise<BatchProblem[]> {
  const start = socket.frames.length;
  const pingId = `pong-for-${label}`;
  for (const frame of frames) sendFrame(socket, frame);
  socket.send({ type: "ping", id: pingId });
  const answers = () => socket.frames.slice(start);
  const errors = () => answers().filter((x) => x.type === "error");
  await waitFor(
    () =>
      answers().some((x) => x.type === "pong" && x.id === pingId) &&
      errors().length >= frames.length,
    15_000,
    () =>
      `${label}: ${errors().length}/${frames.length} errors, pong ${answers().some((x) => x.type === "pong")}; socket state ${socket.ws.readyState}`,
  );
  // Late answers (a send's error after its commit) have had their chance by now.
  const problems: BatchProblem[] = [];
  const got = errors();
  if (got.length !== frames.length)
    problems.push({
      batch: label,
      problem: `${got.length} error frames for ${frames.length} frames`,
    });
  for (const e of got) {
    if (!isCatalogueCode(e.code) || e.code === "internal_error" || e.code === "rate_limited")
      problems.push({ batch: label, problem: `error code ${e.code}: ${e.message}` });
    if (typeof e.message !== "string" || e.message === "")
      problems.push({ batch: label, problem: `error frame without a message: ${preview(e)}` });
  }
  const expectedIds = frames.map(expectedErrorId).sort();
  const gotIds = got.map((e) => ("id" in e ? JSON.stringify(e.id) : "none")).sort();
  if (JSON.stringify(expectedIds) !== JSON.stringify(gotIds)) {
    const missing = expectedIds.filter((id) => !gotIds.includes(id)).slice(0, 5);
    const extra = gotIds.filter((id) => !expectedIds.includes(id)).slice(0, 5);
    problems.push({
      batch: label,
      problem: `error ids differ; missing ${missing.join(" ")}; extra ${extra.join(" ")}`,
    });
  }
  const odd = answers().filter(
    (x: Frame) => x.type !== "error" && !(x.type === "pong" && x.id === pingId),
  );
  for (const x of odd.slice(0, 5))
    problems.push({ batch: label, problem: `unexpected frame ${preview(x)}` });
  return problems;
}

describe("security: socket frame fuzzing", () => {
  let f: Fixture;

  before(async () => {
    const server = await startTestServer({ rate_limit: { enabled: false } });
    f = await setUpFixture(server);
  });

  after(async () => {
    await f?.server.stop();
  });

  it(`${TOTAL_FRAMES} generated frames: one catalogue error each, pongs, nothing stored`, async (t) => {
    const frames = fc.sample(frameArbitrary(f).filter(mustFail), {
      numRuns: TOTAL_FRAMES,
      seed: fuzzSeed(30),
    });
    assert.equal(frames.length, TOTAL_FRAMES);
    t.diagnostic(`binary frames: ${frames.filter((x) => x.kind === "binary").length}`);
    const baseline = await rowCounts(f.server.ctx.store);
    const problems: BatchProblem[] = [];
    const lanes = Array.from({ length: SOCKETS }, (_, lane) =>
      frames.filter((_, i) => i % SOCKETS === lane),
    );
    await Promise.all(
      lanes.map(async (laneFrames, lane) => {
        let socket = await connect(f.server.url, f.alice.token);
        let failedBatches = 0;
        for (let start = 0; start < laneFrames.length && failedBatches < 3; start += BATCH) {
          const label = `lane ${lane} frames ${start}-${start + BATCH - 1}`;
          const batch = laneFrames.slice(start, start + BATCH);
          try {
            const found = await runBatch(socket, batch, label);
            if (found.length > 0) failedBatches += 1;
            problems.push(...found);
          } catch (err) {
            failedBatches += 1;
            const closed = socket.ws.readyState !== WebSocket.OPEN;
            problems.push({
              batch: label,
              problem: `${(err as Error).message}${closed ? " (socket closed)" : ""}`,
            });
            await socket.close();
            socket = await connect(f.server.url, f.alice.token);
          }
          const health = await rawRequest(f.server.url, "GET", "/health");
          if (health.status !== 200)
            problems.push({ batch: label, problem: `/health answered ${health.status}` });
        }
        await socket.close();
      }),
    );
    const report = problems
      .slice(0, 20)
      .map((p) => `- ${p.batch}: ${p.problem}`)
      .join("\n");
    assert.equal(problems.length, 0, `${problems.length} problems:\n${report}`);
    assert.deepEqual(
      await rowCounts(f.server.ctx.store),
      baseline,
      "a refused frame stored something",
    );
    await stillServing(f);
  });

  it("error frames echo hostile ids verbatim and stay JSON", async () => {
    const socket = await connect(f.server.url, f.alice.token);
    const ids: unknown[] = [
      "\u0000",
      "\ud800",
      "\u202e",
      "</script>",
      "x".repeat(60_000),
      -0,
      1e308,
      2 ** 53 + 2,
    ];
    for (const id of ids) {
      socket.send({ type: "nope", id });
      const error = await socket.next((x) => x.type === "error");
      assert.ok(isCatalogueCode(error.code) && error.code !== "internal_error", error.code);
      assert.deepEqual(error.id, JSON.parse(JSON.stringify(id)));
    }
    await socket.close();
  });
});
