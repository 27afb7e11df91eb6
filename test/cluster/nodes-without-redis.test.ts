import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { it } from "node:test";
import { startTestServer } from "../helpers/server.js";

it("a PostgreSQL node without [redis] works alone, and warns when it finds other nodes", async () => {
  const first = await startTestServer({}, { database: "postgres" });
  try {
    assert.doesNotMatch(readFileSync(first.logFile, "utf8"), /other chat-server nodes/);
    const second = await startTestServer({
      database: first.config.database,
      auth: { jwt_secret: first.config.auth.jwt_secret },
    });
    try {
      const log = readFileSync(second.logFile, "utf8");
      assert.match(
        log,
        /"level":40.*other chat-server nodes use this database, but \[redis\] url is not set/,
      );
    } finally {
      await second.stop();
    }
  } finally {
    await first.stop();
  }
});
