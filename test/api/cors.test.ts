import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { forEachEngine } from "../helpers/engines.js";
import { createUser } from "../helpers/factories.js";
import type { TestServer } from "../helpers/server.js";
import { connect, refusedStatus, socketUrl } from "../helpers/socket.js";

const APP = "https://app.example.com";

forEachEngine("a web app hosted elsewhere ([server] cors_origins)", ({ start }) => {
  let server: TestServer;
  before(async () => {
    server = await start({ server: { cors_origins: [APP] } });
  });
  after(() => server.stop());

  it("answers CORS preflights for the allowed origin only", async () => {
    const preflight = (origin: string) =>
      fetch(`${server.url}/api/v1/auth/login`, {
        method: "OPTIONS",
        headers: {
          origin,
          "access-control-request-method": "POST",
          "access-control-request-headers": "content-type",
        },
      });
    const allowed = await preflight(APP);
    assert.equal(allowed.headers.get("access-control-allow-origin"), APP);
    const foreign = await preflight("https://evil.example");
    assert.equal(foreign.headers.get("access-control-allow-origin"), null);
  });

  it("lets that origin open sockets and refuses others", async () => {
    const user = await createUser(server.url);
    const socket = await connect(server.url, user.token, { headers: { origin: APP } });
    await socket.close();
    assert.equal(
      await refusedStatus(socketUrl(server.url, user.token), undefined, {
        origin: "https://evil.example",
      }),
      403,
    );
  });
});
