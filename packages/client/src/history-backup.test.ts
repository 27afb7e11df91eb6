import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { ApiClient } from "@private-chat/sdk";
import { BLOCK, chunkIdOf, newBackupKey } from "@private-chat/sdk/mls";
import { type KeptMessage, readKept, withConversationState } from "./encrypted-store.js";
import { backupKeyHere, keepBackupKey, uploadHistory } from "./history-backup.js";

// One installation's config directory for the file: each test keeps its own user's files
// there. (The package's own tests reach nothing outside it, test/helpers/temp-dirs.ts included.)
let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), "history-backup-"));
  process.env.CHAT_CLIENT_CONFIG_DIR = dir;
});
after(() => {
  delete process.env.CHAT_CLIENT_CONFIG_DIR;
  rmSync(dir, { recursive: true, force: true });
});

describe("readKept tells the seqs written since a log reference", () => {
  const keep = (change: (messages: Record<string, KeptMessage>) => void) =>
    withConversationState("u1", "c1", async (state) => {
      const next = state ?? { group: "", seq: 0, messages: {} };
      change(next.messages);
      return { state: next, result: undefined };
    });

  it("after appends, the new seqs; after a message forgotten (a new log), none known", async () => {
    await keep((m) => {
      m["1"] = { text: "one", device_id: "d" };
      m["2"] = { text: "two", device_id: "d" };
    });
    const first = await readKept("u1", "c1", undefined);
    assert.equal(first.changed, undefined, "no reference: every block");
    assert.deepEqual(Object.keys(first.messages), ["1", "2"]);
    await keep((m) => {
      m["3"] = { text: "three", device_id: "d" };
    });
    const second = await readKept("u1", "c1", first.log);
    assert.deepEqual([...(second.changed ?? [])], ["3"]);
    assert.deepEqual(Object.keys(second.messages), ["1", "2", "3"]);
    const nothing = await readKept("u1", "c1", second.log);
    assert.deepEqual([...(nothing.changed ?? ["?"])], []);
    await keep((m) => {
      delete m["2"];
    });
    const forgot = await readKept("u1", "c1", second.log);
    assert.equal(forgot.changed, undefined, "another generation: every block");
    assert.deepEqual(Object.keys(forgot.messages), ["1", "3"]);
    // A reference that is not a line's start is not trusted either.
    const log = forgot.log as { gen: number; bytes: number };
    assert.equal((await readKept("u1", "c1", { ...log, bytes: 5 })).changed, undefined);
  });
});

describe("uploadHistory keeps what it uploaded in the installation's file", () => {
  const put: string[] = [];
  const api = {
    keyBackup: {
      putChunk: async (id: string) => void put.push(id),
      removeChunk: async () => {},
    },
  } as unknown as ApiClient;

  it("after a send, lays out and sends the new line's block alone", async () => {
    const key = newBackupKey();
    keepBackupKey("u2", key);
    await withConversationState("u2", "c1", async () => {
      const messages: Record<string, KeptMessage> = {};
      for (let seq = 1; seq < 3 * BLOCK; seq += 5)
        messages[seq] = { text: `m${seq}`, device_id: "d" };
      return { state: { group: "", seq: 0, messages }, result: undefined };
    });
    assert.equal((await uploadHistory(api, "u2", "me")).uploaded, 3);
    const file = () =>
      JSON.parse(readFileSync(join(dir, "backup-u2.json"), "utf8")) as {
        uploaded: Record<string, Record<string, string>>;
        read: Record<string, { gen: number; bytes: number; device: string }>;
      };
    assert.equal(Object.keys(file().uploaded.c1 ?? {}).length, 3);
    assert.equal(file().read.c1?.device, "me");

    await withConversationState("u2", "c1", async (state) => {
      if (!state) throw new Error("no state");
      state.messages[String(2 * BLOCK + 3)] = { text: "new", device_id: "d" };
      return { state, result: undefined };
    });
    put.length = 0;
    assert.equal((await uploadHistory(api, "u2", "me")).uploaded, 1);
    assert.deepEqual(put, [chunkIdOf(key, ["me", "c1", "2", "0"])]);
    assert.deepEqual(backupKeyHere("u2"), key);
  });
});
