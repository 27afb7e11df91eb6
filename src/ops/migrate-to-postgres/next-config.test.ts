import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parse } from "smol-toml";
import { nextConfig } from "./next-config.js";

describe("the configuration printed after a migration", () => {
  it("writes out [uploads] path beside the SQLite file, hides the password, and warns when the files are elsewhere", () => {
    const dir = mkdtempSync(join(tmpdir(), "chat-next-"));
    try {
      const input = {
        from: join(dir, "chat.db"),
        to: "postgres://chat:secret@db.internal:5432/chat",
        schema: "chat",
        storedFiles: 3,
      };
      const missing = nextConfig(input);
      const parsed = parse(missing.toml) as Record<string, Record<string, unknown>>;
      assert.equal(parsed.database?.url, "postgres://chat:***@db.internal:5432/chat");
      assert.equal(parsed.database?.path, join(dir, "chat.db"));
      assert.equal(parsed.uploads?.path, join(dir, "uploads"));
      assert.match(
        missing.warning ?? "",
        /lists 3 stored attachment files, but .*uploads holds none/,
      );
      mkdirSync(join(dir, "uploads", "blobs"), { recursive: true });
      assert.equal(nextConfig(input).warning, undefined);
      assert.equal(
        nextConfig({ ...input, from: join(dir, "x", "chat.db"), storedFiles: 0 }).warning,
        undefined,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
