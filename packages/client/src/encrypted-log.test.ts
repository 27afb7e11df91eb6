import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { dropOlderLog, type KeptMessages, readLog, writeLog } from "./encrypted-log.js";
import { CliError } from "./errors.js";

describe("an encrypted conversation's log of plaintexts", () => {
  const dirs: string[] = [];
  const fresh = () => {
    const dir = mkdtempSync(join(tmpdir(), "encrypted-log-"));
    dirs.push(dir);
    return dir;
  };
  after(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  const text = (t: string) => ({ text: t, device_id: "d1" });
  const everything = (dir: string) =>
    readdirSync(dir)
      .map((name) => readFileSync(join(dir, name), "utf8"))
      .join("");

  it("appends only what is new or changed, and reads back what the state counts", () => {
    const dir = fresh();
    const first: KeptMessages = { 1: text("one"), 2: { own_change: true } };
    const ref = writeLog(dir, "c", undefined, {}, first);
    assert.equal(statSync(join(dir, "c.1.log")).mode & 0o777, 0o600);
    const second = { ...first, 3: text("three"), 4: { refused: "sent before" } };
    const next = writeLog(dir, "c", ref, first, second);
    assert.equal(next.gen, ref.gen);
    assert.equal(readFileSync(join(dir, "c.1.log"), "utf8").split("\n").length - 1, 4);
    assert.deepEqual(readLog(dir, "c", next), second);
    assert.deepEqual(writeLog(dir, "c", next, second, { ...second }), next, "nothing to write");
  });

  it("cuts off lines a stopped process appended past what the state counts", () => {
    const dir = fresh();
    const ref = writeLog(dir, "c", undefined, {}, { 1: text("kept") });
    writeFileSync(
      join(dir, "c.1.log"),
      `${readFileSync(join(dir, "c.1.log"), "utf8")}{"seq":2,"te`,
    );
    assert.deepEqual(readLog(dir, "c", ref), { 1: text("kept") });
    assert.equal(statSync(join(dir, "c.1.log")).size, ref.bytes);
  });

  it("writes a new generation when a message is forgotten, and its text leaves the files", () => {
    const dir = fresh();
    const before = { 1: text("keep me"), 2: text("secret to forget") };
    const ref = writeLog(dir, "c", undefined, {}, before);
    const next = writeLog(dir, "c", ref, before, { 1: text("keep me") });
    assert.equal(next.gen, ref.gen + 1);
    dropOlderLog(dir, "c", next);
    assert.ok(!everything(dir).includes("secret to forget"));
    assert.deepEqual(readLog(dir, "c", next), { 1: text("keep me") });
  });

  it("removes an older generation a stopped compaction left behind", () => {
    const dir = fresh();
    const before = { 1: text("a"), 2: text("gone") };
    const ref = writeLog(dir, "c", undefined, {}, before);
    const next = writeLog(dir, "c", ref, before, { 1: text("a") });
    readLog(dir, "c", next);
    assert.deepEqual(readdirSync(dir), ["c.2.log"]);
  });

  it("refuses a log shorter than its state says, or one that is not JSON lines", () => {
    const dir = fresh();
    const ref = writeLog(dir, "c", undefined, {}, { 1: text("x") });
    assert.throws(() => readLog(dir, "c", { ...ref, bytes: ref.bytes + 10 }), CliError);
    writeFileSync(join(dir, "c.1.log"), "not json\n");
    assert.throws(() => readLog(dir, "c", { gen: 1, bytes: 9 }), /is not an encrypted/);
    assert.deepEqual(readLog(dir, "d", { gen: 1, bytes: 0 }), {}, "no log yet, none counted");
  });
});
