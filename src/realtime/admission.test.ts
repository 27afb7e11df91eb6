import assert from "node:assert/strict";
import { it } from "node:test";
import { type Admission, type AdmissionSlot, SocketAdmission } from "./admission.js";

function slotOf(answer: Admission): AdmissionSlot {
  assert.ok("release" in answer, JSON.stringify(answer));
  return answer;
}

it("sets up at most its limit at once; the next waits in line for a slot given back", async () => {
  const admission = new SocketAdmission(2, 60_000, 10);
  const a = slotOf(await admission.enter());
  slotOf(await admission.enter());
  let third: Admission | undefined;
  const answered = () => third;
  void admission.enter().then((answer) => {
    third = answer;
  });
  await new Promise((r) => setImmediate(r));
  assert.equal(answered(), undefined, "it waits");
  assert.deepEqual(admission.state, { opening: 2, waiting: 1 });
  a.release();
  a.release();
  await new Promise((r) => setImmediate(r));
  slotOf(answered() ?? { retryAfterMs: 0 });
  assert.deepEqual(admission.state, { opening: 2, waiting: 0 }, "a second release gives nothing");
});

it("tells a handshake past the line, or one that waited too long, when to come back", async () => {
  const admission = new SocketAdmission(1, 50, 1);
  slotOf(await admission.enter());
  const waiting = admission.enter();
  const past = await admission.enter();
  assert.ok("retryAfterMs" in past && past.retryAfterMs >= 1000 && past.retryAfterMs <= 30_000);
  // The line's timers do not hold a process open by themselves; this test's must.
  const alive = setInterval(() => {}, 1000);
  const late = await waiting;
  clearInterval(alive);
  assert.ok("retryAfterMs" in late, "it waited longer than the node allows");
  assert.deepEqual(admission.state, { opening: 1, waiting: 0 });
});

it("spreads the refused over a window that grows with how many were refused lately", async () => {
  const admission = new SocketAdmission(10, 60_000, 0);
  for (let i = 0; i < 10; i++) slotOf(await admission.enter(0));
  const delays: number[] = [];
  for (let i = 0; i < 400; i++) {
    const answer = await admission.enter(i);
    assert.ok("retryAfterMs" in answer);
    delays.push(answer.retryAfterMs);
  }
  for (const delay of delays) assert.ok(delay >= 1000 && delay <= 30_000, String(delay));
  // 400 refused at 10 a second: the last ones are spread over the whole 30 s.
  assert.ok(Math.max(...delays.slice(-100)) > 10_000);
  // A quiet minute later, one more waits the least.
  const later = await admission.enter(60_000);
  assert.ok("retryAfterMs" in later && later.retryAfterMs < 2000, JSON.stringify(later));
});
