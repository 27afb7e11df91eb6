/**
 * Authorisation holds for the whole request, not only at its headers: the admin routes.
 * An admin's request withholds its last byte while the admin right (or the session, or
 * the account) is taken away; the change must be refused and nothing of it written, and
 * two admins removing each other leave exactly one. Both engines; the PostgreSQL pass runs
 * as a cluster node does. A member's own changes are in authorisation-at-commit-member.test.ts.
 */
import assert from "node:assert/strict";
import { it } from "node:test";
import { forEachEngine } from "../helpers/engines.js";
import { createUser, uniqueUsername } from "../helpers/factories.js";
import {
  API,
  commitFixture,
  json,
  RACE_ROUNDS,
  refused,
  slowRequest,
  type TakeAway,
} from "./commit-fixture.js";

forEachEngine(
  "an admin's change is authorised again when the body is complete",
  { redis: true },
  (run) => {
    const fx = commitFixture(run);

    // --- admin --------------------------------------------------------------------------

    it("an admin demoted mid-request cannot create an admin", async () => {
      const demoted = await fx.newAdmin();
      const username = uniqueUsername("late_admin");
      const slow = await slowRequest(
        fx.port,
        "POST",
        `${API}/admin/users`,
        demoted.token,
        json({ username, password: "pw-test-late admin 1", is_admin: true }),
      );
      await fx.setUser(demoted.id, { is_admin: false });
      refused(await slow.finish(), "forbidden");
      const found = await fx.api().get(`${API}/admin/users?q=${username}`, fx.as(fx.admin));
      assert.deepEqual(found.body.users, [], "no account was created");
    });

    it("an admin demoted, disabled or signed out mid-request cannot promote", async () => {
      const variants: TakeAway[] = [
        { code: "forbidden", act: (u) => fx.setUser(u.id, { is_admin: false }) },
        ...Object.values(fx.takeAway),
      ];
      for (const { code, act } of variants) {
        const actor = await fx.newAdmin();
        const target = await createUser(fx.server.url);
        const slow = await slowRequest(
          fx.port,
          "PATCH",
          `${API}/admin/users/${target.id}`,
          actor.token,
          json({ is_admin: true }),
        );
        await act(actor);
        refused(await slow.finish(), code);
        assert.equal((await fx.account(target.id)).is_admin, false, `${code}: target not promoted`);
      }
    });

    it("an admin demoted mid-request cannot revoke every session or make an invite", async () => {
      const actor = await fx.newAdmin();
      const bystander = await createUser(fx.server.url);
      const revokeAll = await slowRequest(
        fx.port,
        "POST",
        `${API}/admin/sessions/revoke-all`,
        actor.token,
        json({}),
      );
      const invite = await slowRequest(
        fx.port,
        "POST",
        `${API}/admin/invites`,
        actor.token,
        json({ expires_in_hours: 1 }),
      );
      await fx.setUser(actor.id, { is_admin: false });
      refused(await revokeAll.finish(), "forbidden");
      refused(await invite.finish(), "forbidden");
      const me = await fx.api().get(`${API}/me`, fx.as(bystander));
      assert.equal(me.status, 200, "the bystander's session lives on");
      const invites = await fx.api().get(`${API}/admin/invites`, fx.as(fx.admin));
      assert.ok(
        !invites.body.invites.some((i: { created_by?: string }) => i.created_by === actor.id),
        "no invite was made",
      );
    });

    for (const change of [{ is_admin: false }, { disabled: true }]) {
      it(`two admins removing each other (${JSON.stringify(change)}) leave one`, async () => {
        // A race: a few rounds, so an ordering that lets both through shows up.
        for (let round = 0; round < RACE_ROUNDS; round++) {
          // Demote every other admin, so these two are the server's only ones.
          const first = await fx.newAdmin();
          const second = await fx.newAdmin();
          const everyone = await fx.api().get(`${API}/admin/users?limit=500`, fx.as(first));
          for (const other of everyone.body.users) {
            if (other.is_admin && other.id !== first.id && other.id !== second.id)
              await fx.setUser(other.id, { is_admin: false }, first);
          }
          const one = await slowRequest(
            fx.port,
            "PATCH",
            `${API}/admin/users/${second.id}`,
            first.token,
            json(change),
          );
          const two = await slowRequest(
            fx.port,
            "PATCH",
            `${API}/admin/users/${first.id}`,
            second.token,
            json(change),
          );
          const answers = await Promise.all([one.finish(), two.finish()]);
          const won = answers.filter((a) => a.status === 200);
          assert.equal(won.length, 1, JSON.stringify(answers));
          for (const answer of answers.filter((a) => a.status !== 200)) {
            assert.ok(
              ["forbidden", "account_disabled", "session_revoked", "conflict"].includes(
                answer.body?.error?.code,
              ),
              JSON.stringify(answer.body),
            );
          }
          const winner = answers[0]?.status === 200 ? first : second;
          const users = await fx.api().get(`${API}/admin/users?limit=500`, fx.as(winner));
          const active = users.body.users.filter(
            (u: { is_admin: boolean; disabled: boolean }) => u.is_admin && !u.disabled,
          );
          assert.deepEqual(
            active.map((u: { id: string }) => u.id),
            [winner.id],
            "exactly the winner is left as an enabled admin",
          );
          // Hand the right back to the suite's admin for the rounds and tests that follow.
          await fx.setUser(fx.admin.id, { is_admin: true }, winner);
        }
      });
    }
  },
);
