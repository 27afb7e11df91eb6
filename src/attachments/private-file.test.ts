import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { it } from "node:test";
import { createPrivateFileIn } from "./private-file.js";

it("makes the file's private directory, again if it was removed in the meantime", async () => {
  const root = mkdtempSync(join(tmpdir(), "chat-private-file-"));
  try {
    const dir = join(root, "uploads", "tmp");
    for (const name of ["first.upload", "second.upload"]) {
      const path = join(dir, name);
      await pipeline(Readable.from([Buffer.from(name)]), await createPrivateFileIn(path));
      assert.equal(readFileSync(path, "utf8"), name);
      assert.equal(statSync(path).mode & 0o777, 0o600);
      assert.equal(statSync(dir).mode & 0o777, 0o700);
      // A cleaner of temporary files takes the directory away: the next file makes it again.
      rmSync(join(root, "uploads"), { recursive: true, force: true });
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
