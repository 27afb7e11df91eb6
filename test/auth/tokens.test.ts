import assert from "node:assert/strict";
import { it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { forEachEngine } from "../helpers/engines.js";
import { createUser } from "../helpers/factories.js";
import { client } from "../helpers/http.js";
import { testSecret } from "../helpers/server.js";

forEachEngine("tokens", ({ start }) => {
  it("rejects a token once it expires", async () => {
    const server = await start({ auth: { token_expiry_seconds: 2 } });
    try {
      const user = await createUser(server.url);
      const api = client(server.url);
      assert.equal((await api.get("/api/v1/me", { token: user.token })).status, 200);
      await sleep(3100);
      const res = await api.get("/api/v1/me", { token: user.token });
      assert.equal(res.status, 401);
      assert.equal(res.body.error.code, "token_expired");
    } finally {
      await server.stop();
    }
  });

  it("a changed secret invalidates tokens, unless the old one is kept in previous_jwt_secrets", async () => {
    const oldSecret = testSecret();
    const first = await start({ auth: { jwt_secret: oldSecret } });
    const user = await createUser(first.url);
    await first.close();

    const rotated = await start(
      { auth: { jwt_secret: testSecret(), previous_jwt_secrets: [oldSecret] } },
      { restartOf: first },
    );
    try {
      const res = await client(rotated.url).get("/api/v1/me", { token: user.token });
      assert.equal(res.status, 200, "a token signed with a previous secret still verifies");
    } finally {
      await rotated.close();
    }

    const replaced = await start({ auth: { jwt_secret: testSecret() } }, { restartOf: rotated });
    try {
      const res = await client(replaced.url).get("/api/v1/me", { token: user.token });
      assert.equal(res.status, 401, "without the previous secret every old token is refused");
      assert.equal(res.body.error.code, "unauthorized");
    } finally {
      await replaced.stop();
    }
  });
});
