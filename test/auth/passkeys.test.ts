/**
 * Passkeys through the API on both engines, answered by a software authenticator: made
 * with the password asked again; signing in alone and as a second factor; and the answers
 * the server must refuse — a challenge used twice, a counter that goes back (a cloned
 * key), another site's origin, an unverified person signing in alone, another account's
 * passkey, and an enrolment answer to someone else's challenge.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { apiSuite } from "../helpers/api-suite.js";
import { forEachEngine } from "../helpers/engines.js";
import { createUser, type TestUser } from "../helpers/factories.js";
import { client } from "../helpers/http.js";
import { SoftwarePasskey } from "../helpers/software-authenticator.js";

async function enrol(url: string, user: TestUser, key: SoftwarePasskey, origin = url) {
  const api = client(url);
  const options = await api.post(
    "/api/v1/me/passkeys/options",
    { password: user.password },
    { token: user.token },
  );
  assert.equal(options.status, 200, options.text);
  return api.post(
    "/api/v1/me/passkeys",
    { name: "laptop", passkey: key.register(options.body.options, { origin }) },
    { token: user.token },
  );
}

async function signInOptions(url: string) {
  const res = await client(url).post("/api/v1/auth/passkey/options");
  assert.equal(res.status, 200, res.text);
  return res.body.options;
}

forEachEngine("passkeys", (run) => {
  describe("passkeys", () => {
    const { started, as } = apiSuite(run);

    it("signs in alone and as a second factor, once per challenge", async () => {
      const { server, api } = started();
      const user = await createUser(server.url);
      const key = new SoftwarePasskey();
      const added = await enrol(server.url, user, key);
      assert.equal(added.status, 201, added.text);
      assert.equal(added.body.passkey.name, "laptop");
      assert.equal(added.body.recovery_codes.length, 10, "the first factor brings the codes");

      const bare = await api.post("/api/v1/auth/login", {
        username: user.username,
        password: user.password,
      });
      assert.equal(bare.body.error.code, "second_factor_required");

      const answer = key.assert(await signInOptions(server.url), { origin: server.url });
      const alone = await api.post("/api/v1/auth/passkey", { passkey: answer });
      assert.equal(alone.status, 200, alone.text);
      assert.equal(alone.body.user.id, user.id);
      const replay = await api.post("/api/v1/auth/passkey", { passkey: answer });
      assert.equal(replay.status, 401, "a challenge is answered once");
      assert.equal(replay.body.error.code, "invalid_second_factor");

      const second = await api.post("/api/v1/auth/login", {
        username: user.username,
        password: user.password,
        passkey: key.assert(await signInOptions(server.url), { origin: server.url }),
      });
      assert.equal(second.status, 200, second.text);
      const sessions = await api.get("/api/v1/sessions", { token: second.body.token });
      const methods = sessions.body.sessions.map((s: { method: string }) => s.method).sort();
      assert.deepEqual(methods, ["passkey", "password", "password+passkey"]);

      const status = await api.get("/api/v1/me/two-factor", as(user));
      assert.equal(status.body.passkeys.length, 1);
      assert.ok(status.body.passkeys[0].last_used_at > 0);
    });

    it("refuses a cloned key, another site's answer, and an unverified person alone", async () => {
      const { server, api } = started();
      const user = await createUser(server.url);
      const key = new SoftwarePasskey();
      assert.equal((await enrol(server.url, user, key)).status, 201);
      const ok = await api.post("/api/v1/auth/passkey", {
        passkey: key.assert(await signInOptions(server.url), { origin: server.url }),
      });
      assert.equal(ok.status, 200);

      key.counter = 0; // a copy made before that sign-in
      const cloned = await api.post("/api/v1/auth/passkey", {
        passkey: key.assert(await signInOptions(server.url), { origin: server.url }),
      });
      assert.equal(cloned.status, 401, "a counter that did not move forward");
      key.counter = 10;

      const phished = await api.post("/api/v1/auth/passkey", {
        passkey: key.assert(await signInOptions(server.url), {
          origin: "https://chat.example.evil",
          rpId: "127.0.0.1",
        }),
      });
      assert.equal(phished.status, 401);
      const otherRp = await api.post("/api/v1/auth/passkey", {
        passkey: key.assert(await signInOptions(server.url), {
          origin: server.url,
          rpId: "chat.example.evil",
        }),
      });
      assert.equal(otherRp.status, 401);

      const unverified = await api.post("/api/v1/auth/passkey", {
        passkey: key.assert(await signInOptions(server.url), {
          origin: server.url,
          verified: false,
        }),
      });
      assert.equal(unverified.status, 401, "alone, the key must verify its person");
      // As a second factor after the password, presence is enough.
      const withPassword = await api.post("/api/v1/auth/login", {
        username: user.username,
        password: user.password,
        passkey: key.assert(await signInOptions(server.url), {
          origin: server.url,
          verified: false,
        }),
      });
      assert.equal(withPassword.status, 200, withPassword.text);
    });

    it("keeps each person's passkeys and challenges their own", async () => {
      const { server, api } = started();
      const [ann, bob] = [await createUser(server.url), await createUser(server.url)];
      const annKey = new SoftwarePasskey();
      const bobKey = new SoftwarePasskey();
      assert.equal((await enrol(server.url, ann, annKey)).status, 201);
      assert.equal((await enrol(server.url, bob, bobKey)).status, 201);

      const borrowed = await api.post("/api/v1/auth/login", {
        username: ann.username,
        password: ann.password,
        passkey: bobKey.assert(await signInOptions(server.url), { origin: server.url }),
      });
      assert.equal(borrowed.status, 401, "bob's passkey is no second factor of ann's");
      assert.equal(borrowed.body.error.code, "invalid_second_factor");

      // An enrolment answer to ann's challenge, sent by bob.
      const annOptions = await api.post(
        "/api/v1/me/passkeys/options",
        { password: ann.password },
        as(ann),
      );
      const stolen = await api.post(
        "/api/v1/me/passkeys",
        {
          name: "stolen",
          passkey: new SoftwarePasskey().register(annOptions.body.options, { origin: server.url }),
        },
        as(bob),
      );
      assert.equal(stolen.status, 422);
      assert.equal(stolen.body.error.code, "invalid_verification");

      const twice = await enrol(server.url, ann, annKey);
      assert.equal(twice.status, 409, "a passkey registered already (the options exclude it too)");

      const wrongPassword = await api.post(
        "/api/v1/me/passkeys/options",
        { password: "not it" },
        as(ann),
      );
      assert.equal(wrongPassword.status, 401);

      const list = await api.get("/api/v1/me/two-factor", as(ann));
      const id = list.body.passkeys[0].id;
      const notMine = await api.delete(`/api/v1/me/passkeys/${encodeURIComponent(id)}`, {
        ...as(bob),
        body: { password: bob.password },
      });
      assert.equal(notMine.status, 404);
      const removed = await api.delete(`/api/v1/me/passkeys/${encodeURIComponent(id)}`, {
        ...as(ann),
        body: { password: ann.password },
      });
      assert.equal(removed.status, 204);
      const after = await api.get("/api/v1/me/two-factor", as(ann));
      assert.deepEqual(after.body.passkeys, []);
      assert.equal(after.body.recovery_codes_left, 0);
      const plain = await api.post("/api/v1/auth/login", {
        username: ann.username,
        password: ann.password,
      });
      assert.equal(plain.status, 200);
      const gone = await api.post("/api/v1/auth/passkey", {
        passkey: annKey.assert(await signInOptions(server.url), { origin: server.url }),
      });
      assert.equal(gone.status, 401);
    });
  });
});
