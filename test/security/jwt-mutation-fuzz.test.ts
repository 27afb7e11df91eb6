/**
 * A property test tampers with a real access token 10,000 times against AuthService in
 * process, and a few hundred times over HTTP and the socket: no tampered token is
 * accepted. A re-spelling of the very same signed bytes (padding, whitespace, unused
 * trailing bits in the base64url signature) is set aside by the property and reported by
 * the last test, which must also refuse a few such spellings made by hand, so the tests
 * here run in order and share one server. Set FUZZ_SEED to explore other runs.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import { AppError } from "../../src/errors.js";
import { client } from "../helpers/http.js";
import { socketUrl } from "../helpers/socket.js";
import { BASE64URL, type Fixture, startJwtFixture } from "./jwt-forgery-fixture.js";
import {
  applyMutation,
  headerSafe,
  mutationArbitrary,
  sameSignedBytes,
  uriSafe,
} from "./jwt-mutations.js";
import { attemptSocket, errorBodyProblem, fuzzSeed, mapLimit, preview } from "./support.js";

describe("security: mutated access tokens", () => {
  let f: Fixture;

  before(async () => {
    f = await startJwtFixture();
  });

  after(async () => {
    await f?.server.stop();
  });

  const malleable: string[] = [];

  it("10,000 random mutations of a valid token: none accepted by AuthService (in process)", async () => {
    const original = f.alice.token;
    let changed = 0;
    await fc.assert(
      fc.asyncProperty(
        mutationArbitrary({ aliceId: f.alice.id, bobId: f.bob.id, bobSession: f.bobSession }),
        async (mutations) => {
          const token = mutations.reduce((t, m) => applyMutation(t, m, f.bob.token), original);
          // Splicing can rebuild Bob's genuine token from its segments: that one is valid.
          if (token === original || token === f.bob.token) return true;
          changed += 1;
          let accepted = false;
          try {
            await f.server.ctx.auth.authenticate(token);
            accepted = true;
          } catch (err) {
            if (!(err instanceof AppError) || err.status !== 401) {
              throw new Error(`refusal was not a 401 AppError: ${String(err)}`);
            }
          }
          if (!accepted) return true;
          // Accepting a re-spelling of the very same signed bytes is tracked separately
          // (see the non-canonical spelling test below); anything else accepted is a forgery.
          if (sameSignedBytes(token, original) || sameSignedBytes(token, f.bob.token)) {
            malleable.push(token);
            return true;
          }
          return false;
        },
      ),
      { numRuns: 10_000, seed: fuzzSeed(1) },
    );
    assert.ok(changed > 9_000, `only ${changed} mutations changed the token`);
  });

  it("a few hundred mutations over HTTP and the socket: none accepted", async () => {
    const original = f.alice.token;
    const arb = mutationArbitrary({
      aliceId: f.alice.id,
      bobId: f.bob.id,
      bobSession: f.bobSession,
    });
    const tokens = fc
      .sample(arb, { numRuns: 2_000, seed: fuzzSeed(2) })
      .map((ms) => ms.reduce((t, m) => applyMutation(t, m, f.bob.token), original))
      .filter(
        (t) =>
          !sameSignedBytes(t, original) && t !== f.bob.token && !sameSignedBytes(t, f.bob.token),
      );
    const overHttp = tokens.filter(headerSafe).slice(0, 300);
    const overSocket = tokens.filter(uriSafe).slice(0, 200);
    assert.equal(overHttp.length, 300);
    assert.equal(overSocket.length, 200);

    const restFailures = (
      await mapLimit(overHttp, 16, async (token) => {
        const res = await client(f.server.url).get("/api/v1/me", { token });
        const problem =
          res.status === 401 ? errorBodyProblem(res.status, res.body) : `status ${res.status}`;
        return problem ? `${preview(token, 80)}: ${problem}` : undefined;
      })
    ).filter((x) => x !== undefined);
    assert.deepEqual(restFailures, []);

    const socketFailures = (
      await mapLimit(overSocket, 8, async (token) => {
        const outcome = await attemptSocket(socketUrl(f.server.url, token));
        const ok =
          outcome.opened &&
          outcome.code === 4401 &&
          !outcome.frames.some((frame) => frame.type === "ready");
        return ok
          ? undefined
          : `${preview(token, 80)}: opened=${outcome.opened} status=${outcome.status} code=${outcome.code}`;
      })
    ).filter((x) => x !== undefined);
    assert.deepEqual(socketFailures, []);

    // The genuine token still works afterwards: the refusals were about the tokens.
    assert.equal((await client(f.server.url).get("/api/v1/me", { token: original })).status, 200);
  });

  it("refuses a non-canonical spelling of a valid token's signature", async () => {
    // RFC 7515 base64url has no padding, whitespace or non-zero trailing bits; jose 6 on
    // Node 20 decodes the signature with atob(), which tolerates all three, so the same
    // signature can be spelled many ways and each spelling is accepted as a token.
    const original = f.alice.token;
    const [h, p, s] = original.split(".") as [string, string, string];
    const last = BASE64URL.indexOf(s.at(-1) as string);
    const variants: [string, string][] = [
      [
        "last signature character with its unused low bit flipped",
        `${h}.${p}.${s.slice(0, -1)}${BASE64URL[last ^ 1]}`,
      ],
      ["signature padded with '='", `${h}.${p}.${s}=`],
      ["whitespace inside the signature", `${h}.${p}.${s.slice(0, 10)} ${s.slice(10)}`],
      ["newline after the signature", `${h}.${p}.${s}\n`],
    ];
    const accepted: string[] = [];
    for (const [name, token] of variants) {
      const inProcess = await f.server.ctx.auth.authenticate(token).then(
        () => true,
        () => false,
      );
      if (inProcess) accepted.push(`in process: ${name}`);
      if (headerSafe(token)) {
        const res = await client(f.server.url).get("/api/v1/me", { token });
        if (res.status === 200) accepted.push(`REST: ${name}`);
      }
      const outcome = await attemptSocket(socketUrl(f.server.url, token));
      if (outcome.frames.some((frame) => frame.type === "ready")) accepted.push(`socket: ${name}`);
    }
    for (const token of malleable.slice(0, 5))
      accepted.push(`property found: …${JSON.stringify(token.slice(-50))}`);
    if (malleable.length > 5) accepted.push(`and ${malleable.length - 5} more from the property`);
    assert.deepEqual(accepted, [], `accepted re-spellings of one token:\n${accepted.join("\n")}`);
  });
});
