/**
 * One server for a suite of REST tests, on the engine of its pass (see engines.ts),
 * started before its first test and stopped after its last, with a request client and a
 * way to make users on it.
 */
import { after, before } from "node:test";
import type { ConfigOverrides } from "../../src/config/schema.js";
import type { EngineRun } from "./engines.js";
import { createUser, type TestUser } from "./factories.js";
import { client } from "./http.js";
import type { TestServer } from "./server.js";

export function apiSuite(run: EngineRun, overrides: ConfigOverrides = {}) {
  let server: TestServer | undefined;
  let api: ReturnType<typeof client> | undefined;
  const started = () => {
    if (!server || !api) throw new Error("the server is not up yet");
    return { server, api };
  };
  before(async () => {
    server = await run.start({ rate_limit: { enabled: false }, ...overrides });
    api = client(server.url);
  });
  after(() => server?.stop());

  const as = (user: TestUser) => ({ token: user.token });
  const users = (n: number) =>
    Promise.all(Array.from({ length: n }, () => createUser(started().server.url)));
  return { started, as, users };
}
