import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { it } from "node:test";
import { startTestServer } from "../helpers/server.js";

const WARNING =
  /"level":40.*other chat-server nodes use this database, but \[redis\] url is not set/;

/** The log is written asynchronously: give a line a moment to reach the file. */
async function logOf(file: string, expected: RegExp): Promise<string> {
  for (let i = 0; i < 50 && !expected.test(readFileSync(file, "utf8")); i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return readFileSync(file, "utf8");
}

it("a PostgreSQL node without [redis] works alone, and warns when it finds other nodes", async () => {
  const first = await startTestServer({}, { database: "postgres" });
  try {
    assert.doesNotMatch(readFileSync(first.logFile, "utf8"), /other chat-server nodes/);
    const second = await startTestServer({
      database: first.config.database,
      auth: { jwt_secret: first.config.auth.jwt_secret },
    });
    try {
      assert.match(await logOf(second.logFile, WARNING), WARNING);
    } finally {
      await second.stop();
    }
  } finally {
    await first.stop();
  }
});
