/**
 * The copy against live and half-done states: a SQLite file a running server uses is refused,
 * and a migration killed mid-table continues with --resume without copying a row twice.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { describe, it } from "node:test";
import { loadConfig } from "../../src/config/load.js";
import { openStore } from "../../src/storage/store.js";
import { makeConversation, makeUsers, messageRow } from "../helpers/chat-rows.js";
import { finished, spawnCli } from "../helpers/cli.js";
import { startTestServer } from "../helpers/server.js";
import {
  assertSameRows,
  migrate,
  migrationScratch,
  postgres,
} from "./migrate-to-postgres-fixture.js";

describe("chat-server migrate-to-postgres: a running server and an interrupted copy", () => {
  const { tempDir, tempSchema } = migrationScratch();

  it("refuses a SQLite file a running server is using", async () => {
    const dir = tempDir();
    const server = await startTestServer({}, { dir });
    try {
      const result = await migrate(join(dir, "chat.db"), await tempSchema());
      assert.equal(result.code, 1);
      assert.match(
        result.stderr,
        /a chat-server is running on .*chat\.db \(.+:\d+\); stop it first/,
      );
    } finally {
      await server.stop();
    }
  });

  it("continues an interrupted migration with --resume and verifies it", async () => {
    const dir = tempDir();
    const path = join(dir, "chat.db");
    const database = loadConfig({ env: {}, overrides: { database: { path } } }).database;
    const store = openStore(database);
    await store.migrate();
    const count = 20_000;
    await store.transaction(async (tx) => {
      const [a, b] = (await makeUsers(tx, 2)) as [string, string];
      const conversation = await makeConversation(tx, [a, b], { last_seq: count });
      for (let seq = 1; seq <= count; seq++) {
        const row = messageRow(conversation.id, seq, seq % 2 ? a : b, {
          body: `m ${seq} ${randomUUID()}`,
        });
        await tx.messages.insert(row);
        await tx.events.append({
          conversationId: conversation.id,
          userId: null,
          type: "message.new",
          payload: JSON.stringify({ id: row.id, seq }),
          now: row.created_at,
        });
      }
    });
    await store.close();
    const schema = await tempSchema();

    const child = spawnCli([
      "migrate-to-postgres",
      "--from",
      path,
      "--to",
      schema.url,
      "--schema",
      schema.schema,
      "--batch-size",
      "500",
    ]);
    const run = finished(child);
    await new Promise<void>((resolve, reject) => {
      let seen = "";
      child.stderr?.on("data", (chunk) => {
        seen += chunk;
        if (/^messages: [\d,]+\/20,000 rows \(\d\d?%\)$/m.test(seen)) {
          child.kill("SIGKILL");
          resolve();
        }
      });
      child.on("close", () => reject(new Error(`ended before copying messages:\n${seen}`)));
    });
    const killed = await run;
    assert.equal(killed.signal, "SIGKILL");
    const partial = (await postgres(schema, "select * from messages")).length;
    assert.ok(partial > 0 && partial < count, `${partial} messages copied before the kill`);

    const refused = await migrate(path, schema);
    assert.equal(refused.code, 1);
    const resumed = await migrate(path, schema, "--resume");
    assert.equal(resumed.code, 0, resumed.stderr);
    const copiedNow = /^messages +20,000 +20,000 +([\d,]+) +[\d.]+ +ok/m.exec(resumed.stdout);
    assert.ok(copiedNow, resumed.stdout);
    assert.equal(Number(copiedNow[1]!.replaceAll(",", "")), count - partial);
    assert.match(resumed.stdout, /^events +20,000 +20,000 .* ok/m);
    await assertSameRows(path, schema);
  });
});
