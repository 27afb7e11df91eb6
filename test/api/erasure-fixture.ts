/**
 * Where a deleted message's text could linger, for the suites that check it is gone:
 * what sync replays, search, SQLite's full-text index segments, and the SQLite file and
 * WAL themselves once checkpointed.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { sql } from "kysely";
import type { TestUser } from "../helpers/factories.js";
import type { client } from "../helpers/http.js";
import type { TestServer } from "../helpers/server.js";
import { V1 } from "./messages-fixture.js";

/** A word no other message holds, so finding it anywhere means this message leaked. */
export const uniqueWord = (label: string) => `${label}${randomBytes(6).toString("hex")}`;

export function erasureChecks(
  started: () => { server: TestServer; api: ReturnType<typeof client> },
) {
  const as = (user: TestUser) => ({ token: user.token });
  const db = () => started().server.ctx.store.db;
  const engine = () => started().server.ctx.store.type;

  /** Every event `user` gets from sync since cursor 0, as one JSON text. */
  const syncText = async (user: TestUser) => {
    let cursor = 0;
    let text = "";
    for (let i = 0; i < 100; i++) {
      const res = await started().api.get<{ events: unknown[]; cursor: number; has_more: boolean }>(
        `${V1}/sync?since=${cursor}&limit=100`,
        as(user),
      );
      assert.equal(res.status, 200, res.text);
      text += res.text;
      cursor = res.body.cursor;
      if (!res.body.has_more) return text;
    }
    throw new Error("sync never finished");
  };

  const searchFinds = async (user: TestUser, word: string) => {
    const res = await started().api.get<{ results: unknown[] }>(
      `${V1}/search?${new URLSearchParams({ q: word })}`,
      as(user),
    );
    assert.equal(res.status, 200, res.text);
    return res.body.results.length;
  };

  /** Rows of SQLite's full-text index matching the word (none on PostgreSQL). */
  const ftsRows = async (word: string) => {
    if (engine() !== "sqlite") return 0;
    const { rows } = await sql<{ n: number }>`
      select count(*) as n from message_search where message_search match ${`"${word}"`}`.execute(
      db(),
    );
    // The index's own segments, where a deleted row's terms could linger.
    const { rows: data } = await sql<{ n: number }>`
      select count(*) as n from message_search_data
      where instr(block, cast(${word} as blob)) > 0`.execute(db());
    return Number(rows[0]?.n) + Number(data[0]?.n);
  };

  /**
   * SQLite only: the database file and its WAL, once the WAL is copied back and cut (so
   * secure_delete has overwritten what erased rows held). Undefined on PostgreSQL.
   */
  const fileBytes = async (): Promise<Buffer | undefined> => {
    if (engine() !== "sqlite") return undefined;
    for (let i = 0; i < 50; i++) {
      const { rows: result } = await sql<{
        busy: number;
      }>`pragma wal_checkpoint(TRUNCATE)`.execute(db());
      if (Number(result[0]?.busy) === 0) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const path = started().server.config.database.path;
    const files = [path, `${path}-wal`].filter((f) => existsSync(f));
    return Buffer.concat(files.map((f) => readFileSync(f)));
  };

  return { db, syncText, searchFinds, ftsRows, fileBytes };
}
