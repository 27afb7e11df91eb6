import assert from "node:assert/strict";
import { it } from "node:test";
import { SocketAdmission } from "./admission.js";

it("sets up at most its limit at once, each slot given back once", () => {
  const admission = new SocketAdmission(2);
  const a = admission.enter(0);
  const b = admission.enter(0);
  assert.ok("release" in a && "release" in b);
  const refused = admission.enter(0);
  assert.ok("retryAfterMs" in refused);
  a.release();
  a.release();
  assert.equal(admission.inProgress, 1, "a second release gives nothing back");
  assert.ok("release" in admission.enter(0));
  assert.ok("retryAfterMs" in admission.enter(0));
});

it("spreads the refused over a window that grows with how many were refused lately", () => {
  const admission = new SocketAdmission(10);
  for (let i = 0; i < 10; i++) admission.enter(0);
  const delays = Array.from({ length: 400 }, (_, i) => {
    const answer = admission.enter(i);
    assert.ok("retryAfterMs" in answer);
    return answer.retryAfterMs;
  });
  for (const delay of delays) assert.ok(delay >= 1000 && delay <= 30_000, String(delay));
  // 400 refused at 10 a second: the last ones are spread over the whole 30 s.
  assert.ok(Math.max(...delays.slice(-100)) > 10_000);
  // A quiet minute later, one more waits the least.
  const later = admission.enter(60_000);
  assert.ok("retryAfterMs" in later && later.retryAfterMs < 2000, JSON.stringify(later));
});
