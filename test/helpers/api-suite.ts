/**
 * One server for a suite of REST tests, started before its first test and stopped after
 * its last, with a request client and a way to make users on it.
 */
import { after, before } from "node:test";
import { createUser, type TestUser } from "./factories.js";
import { client } from "./http.js";
import { startTestServer, type TestServer } from "./server.js";

export function apiSuite() {
  let server: TestServer | undefined;
  let api: ReturnType<typeof client> | undefined;
  const started = () => {
    if (!server || !api) throw new Error("the server is not up yet");
    return { server, api };
  };
  before(async () => {
    server = await startTestServer({ rate_limit: { enabled: false } });
    api = client(server.url);
  });
  after(() => server?.stop());

  const as = (user: TestUser) => ({ token: user.token });
  const users = (n: number) =>
    Promise.all(Array.from({ length: n }, () => createUser(started().server.url)));
  return { started, as, users };
}
