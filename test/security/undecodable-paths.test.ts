/**
 * A path whose percent-encoding does not decode to UTF-8 (a lone surrogate, a bare
 * continuation byte, an overlong form) is refused before routing: it must still get the
 * catalogue's body, not Fastify's own.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createUser, type TestUser } from "../helpers/factories.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { errorBodyProblem, rawRequest } from "./support.js";

describe("security: paths that do not decode", () => {
  let server: TestServer;
  let user: TestUser;

  before(async () => {
    server = await startTestServer({ rate_limit: { enabled: false } });
    user = await createUser(server.url);
  });
  after(() => server.stop());

  for (const [method, path] of [
    ["DELETE", "/api/v1/sessions/%ED%A5%92"],
    ["GET", "/api/v1/messages/%80"],
    ["PATCH", "/api/v1/conversations/%C0%AE"],
    ["GET", "/api/v1/users/%FF%FE"],
    ["GET", "/%ED%A0%80"],
  ] as const) {
    it(`${method} ${path}: 400 invalid_request with a catalogue body`, async () => {
      const res = await rawRequest(server.url, method, path, {
        headers: { authorization: `Bearer ${user.token}` },
      });
      assert.equal(res.status, 400, res.text);
      assert.equal(errorBodyProblem(res.status, res.json), undefined, res.text);
      assert.equal((res.json as { error: { code: string } }).error.code, "invalid_request");
    });
  }
});
