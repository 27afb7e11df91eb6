/**
 * chat-client and second factors, as child processes against a real server: login asks
 * for a code once the password is right (a piped stdin gives it as the next line, or
 * --code), and takes a recovery code; 2fa setup shows the secret, takes a code and
 * prints the recovery codes; 2fa, 2fa recovery-codes and 2fa remove.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { codeFor, enrolTotp } from "../auth/two-factor-fixture.js";
import {
  configDir,
  loggedIn,
  removeConfigDirs,
  run,
  start,
  stop,
  waitFor,
} from "../helpers/client-cli.js";
import { createUser } from "../helpers/factories.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

describe("chat-client and two-factor sign-in", () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ rate_limit: { enabled: false } });
  });

  after(async () => {
    await server.stop();
    removeConfigDirs();
  });

  it("login asks for the app's code after the password, and takes a recovery code", async () => {
    const user = await enrolTotp(server.url, await createUser(server.url));
    const args = ["login", "--server", server.url, "--username", user.username];
    const piped = await run(args, configDir(), `${user.password}\n${codeFor(user.secret, 1)}\n`);
    assert.equal(piped.code, 0, piped.stderr);
    assert.match(piped.stdout, /^logged in as /);

    const wrong = await run([...args, "--code", "000000"], configDir(), `${user.password}\n`);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /invalid_second_factor/);

    const recovery = await run(
      [...args, "--code", user.recoveryCodes[0] as string],
      configDir(),
      `${user.password}\n`,
    );
    assert.equal(recovery.code, 0, recovery.stderr);
  });

  it("2fa setup shows the secret, takes a code and prints the recovery codes", async () => {
    const user = await createUser(server.url);
    const dir = loggedIn(server.url, user);
    const before = await run(["2fa"], dir);
    assert.equal(before.code, 0, before.stderr);
    assert.match(before.stdout, /authenticator app: not set up/);

    const setup = start(["2fa", "setup"], dir, null);
    try {
      setup.child.stdin?.write(`${user.password}\n`);
      await waitFor("the secret", setup.stderr, (text) => /^ {2}[A-Z2-7]{32}$/m.test(text));
      const secret = /^ {2}([A-Z2-7]{32})$/m.exec(setup.stderr())?.[1] as string;
      setup.child.stdin?.end(`${codeFor(secret)}\n`);
      const done = await setup.done;
      assert.equal(done.code, 0, done.stderr);
      const codes = done.stdout.trim().split("\n");
      assert.equal(codes.length, 10);
      for (const code of codes) assert.match(code, /^[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}$/);
    } finally {
      stop(setup);
    }

    const status = await run(["2fa", "--json"], dir);
    assert.equal(JSON.parse(status.stdout).totp, true);
    const passwordFile = join(dir, "password");
    writeFileSync(passwordFile, `${user.password}\n`, { mode: 0o600 });
    const renewed = await run(
      ["2fa", "recovery-codes", "--password-file", passwordFile, "--json"],
      dir,
    );
    assert.equal(renewed.code, 0, renewed.stderr);
    assert.equal(JSON.parse(renewed.stdout).recovery_codes.length, 10);
    const removed = await run(["2fa", "remove", "--password-file", passwordFile], dir);
    assert.equal(removed.code, 0, removed.stderr);
    const bad = await run(["2fa", "enable"], dir);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /unknown action "enable"/);
  });
});
