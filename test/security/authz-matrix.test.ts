/**
 * The authorisation matrix: every route the app registered, and every socket frame type,
 * tried by everyone who must be turned away (no token, a stranger, a removed member, one
 * who left, a disabled account, an ended session). Each must get the right refusal and
 * nothing of the conversation: no title, body, member name or id it did not send itself.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { CLIENT_FRAME_TYPES } from "@private-chat/protocol/frames";
import { TOKEN_SCOPES } from "@private-chat/protocol/tokens";
import { ROUTE_SCOPES } from "../../src/auth/route-scopes.js";
import { request } from "../helpers/http.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { connect, type Frame, sleep, socketUrl, type TestSocket } from "../helpers/socket.js";
import { callRoute, expectedRefusal, leaks, routeSecrets, sendForm } from "./authz-calls.js";
import { ROUTE_CASES, type RouteCase, routeKey, routesNeedingCases } from "./authz-routes.js";
import {
  API,
  ATTACKERS,
  buildWorld,
  freshToken,
  secretsFor,
  userOf,
  type World,
} from "./authz-world.js";
import { attemptSocket, errorBodyProblem } from "./support.js";

// Authorisation is decided in services over storage queries that differ per engine
// (search above all), so the whole matrix runs on both.
for (const database of ["sqlite", "postgres"] as const)
  describe(`security: authorisation matrix (${database})`, () => {
    let server: TestServer;
    let world: World;

    before(async () => {
      server = await startTestServer({ rate_limit: { enabled: false } }, { database });
      world = await buildWorld(server);
    });

    after(async () => {
      await Promise.all(Object.values(world?.sockets ?? {}).map((s) => s.close()));
      await server?.stop();
    });

    it("every registered route is public, part of the web app, or has a case", () => {
      const keys = server.routes.map(routeKey);
      assert.ok(keys.includes("GET /api/v1/conversations/:id"), "the route table was recorded");
      const { covered, uncovered } = routesNeedingCases(server.routes);
      assert.ok(covered.length >= 30, `only ${covered.length} routes need a case?`);
      assert.deepEqual(uncovered, [], "routes without an authorisation case in authz-routes.ts");
      const stale = Object.keys(ROUTE_CASES).filter((k) => !covered.includes(k));
      assert.deepEqual(stale, [], "cases for routes the app no longer has");
    });

    it("every route names what an access token needs, and refuses a token without it", async () => {
      const { covered } = routesNeedingCases(server.routes);
      const unscoped = covered.filter((k) => !Object.hasOwn(ROUTE_SCOPES, k));
      assert.deepEqual(unscoped, [], "routes without an entry in src/auth/route-scopes.ts");
      // The administrator's tokens: each has every scope but the one a route needs, so
      // the refusal can only come from that scope (or from the route being for sign-ins).
      const tokens = new Map<string, string>();
      const tokenWithout = async (needed: string) => {
        const known = tokens.get(needed);
        if (known) return known;
        const res = await request(server.url, "POST", `${API}/tokens`, {
          token: world.admin.token,
          body: { name: `without ${needed}`, scopes: TOKEN_SCOPES.filter((s) => s !== needed) },
        });
        assert.equal(res.status, 201, res.text);
        tokens.set(needed, res.body.token);
        return res.body.token as string;
      };
      const failures: string[] = [];
      for (const key of covered) {
        const needed = ROUTE_SCOPES[key] as string;
        if (needed === "any") continue;
        const route = ROUTE_CASES[key] as RouteCase;
        const token = await tokenWithout(needed);
        const { response } = await callRoute(world, key, route, "nonMember", token);
        if (response.status !== 403 || response.body?.error?.code !== "insufficient_scope")
          failures.push(
            `${key} (needs ${needed}): ${response.status} ${response.text.slice(0, 120)}`,
          );
      }
      assert.deepEqual(failures, []);
    });

    it("every route refuses every outsider the right way and tells them nothing", async () => {
      const failures: string[] = [];
      for (const key of routesNeedingCases(server.routes).covered) {
        const route = ROUTE_CASES[key] as RouteCase;
        for (const attacker of ATTACKERS) {
          const { call, response } = await callRoute(world, key, route, attacker);
          const where = `${key} as ${attacker} (${call.path})`;
          const expected = expectedRefusal(route, attacker);
          if (expected) {
            const code = response.body?.error?.code;
            if (response.status !== expected.status || code !== expected.code)
              failures.push(
                `${where}: ${response.status} ${code}, expected ${expected.status} ${expected.code}`,
              );
          }
          if (response.status >= 500)
            failures.push(`${where}: ${response.status} ${response.text}`);
          if (response.status >= 400) {
            const problem = errorBodyProblem(response.status, response.body);
            if (problem) failures.push(`${where}: ${problem}`);
          }
          const sent = `${call.path} ${JSON.stringify(call.body ?? "")}`;
          const found = leaks(response.text, routeSecrets(world, route, attacker), sent);
          if (found.length > 0) failures.push(`${where}: leaked ${found.join(", ")}`);
        }
      }
      assert.deepEqual(failures, []);
    });

    it("authentication and the admin check come before validation: junk input changes nothing", async () => {
      const failures: string[] = [];
      for (const key of routesNeedingCases(server.routes).covered) {
        const route = ROUTE_CASES[key] as RouteCase;
        const [method] = key.split(" ") as [string];
        for (const attacker of ["anonymous", "revoked", "nonMember"] as const) {
          const expected = expectedRefusal(route, attacker);
          // A stranger is refused before validation only by the admin check; a
          // conversation's 404 comes from the service, after validation.
          if (!expected || (attacker === "nonMember" && route.scope !== "admin")) continue;
          const { path } = route.call(world, attacker);
          const junk = await request(
            server.url,
            method,
            `${path}${path.includes("?") ? "&" : "?"}bogus=1`,
            {
              ...(attacker === "anonymous" ? {} : { token: world[attacker].token }),
              ...(method === "GET" || method === "DELETE" ? {} : { rawBody: '{"bogus":' }),
            },
          );
          if (junk.status !== expected.status || junk.body?.error?.code !== expected.code)
            failures.push(`${key} as ${attacker}: ${junk.status} ${junk.text.slice(0, 120)}`);
        }
      }
      assert.deepEqual(failures, []);
    });

    it("a stranger cannot tell the real conversation or message from a made-up one", async () => {
      const failures: string[] = [];
      for (const key of routesNeedingCases(server.routes).covered) {
        const route = ROUTE_CASES[key] as RouteCase;
        const target = {
          conversation: world.group,
          message: world.early.id,
          attachment: world.attachmentId,
        }[route.scope as string];
        if (target === undefined) continue;
        const real = await callRoute(world, key, route, "nonMember");
        const path = real.call.path.replace(target, randomUUID());
        const made = real.call.file
          ? await sendForm(server.url, path, real.call.file, world.nonMember.token)
          : await request(server.url, real.method, path, {
              token: world.nonMember.token,
              ...(real.call.body !== undefined ? { body: real.call.body } : {}),
            });
        if (made.status !== real.response.status || made.text !== real.response.text)
          failures.push(`${key}: ${real.response.text} vs ${made.text}`);
      }
      assert.deepEqual(failures, []);
    });

    it("the attempts changed nothing, and the former members are really out", async () => {
      const group = await request(server.url, "GET", `${API}/conversations/${world.group}`, {
        token: world.owner.token,
      });
      assert.equal(group.status, 200, "the owner's session survived");
      const memberIds = group.body.members.map((m: { user: { id: string } }) => m.user.id).sort();
      const expected = [world.owner, world.member, world.disabled, world.revoked, world.latecomer];
      assert.deepEqual(memberIds, expected.map((u) => u.id).sort());
      assert.equal(group.body.title, world.lateTitle);
      const early = await request(server.url, "GET", `${API}/messages/${world.early.id}`, {
        token: world.member.token,
      });
      assert.equal(early.body.body, world.early.body);
      assert.equal(early.body.deleted_at ?? null, null);
      const file = await request(server.url, "GET", `${API}/attachments/${world.attachmentId}`, {
        token: world.member.token,
      });
      assert.equal(file.status, 200, "a member can fetch the file the outsiders could not");
      const login = await request(server.url, "POST", `${API}/auth/login`, {
        body: { username: world.disabled.username, password: world.disabled.password },
      });
      assert.equal(login.body.error?.code, "account_disabled");
      assert.equal(login.status, 403);
    });

    it("the conversation list (and its unread counts) shows the group to members only", async () => {
      const listOf = async (token: string) =>
        (await request(server.url, "GET", `${API}/conversations`, { token })).body
          .conversations as {
          id: string;
          unread_count: number;
        }[];
      const members = await listOf(world.member.token);
      assert.ok((members.find((c) => c.id === world.group)?.unread_count ?? 0) > 0);
      for (const outsider of ["nonMember", "removed", "left"] as const) {
        const list = await listOf((await freshToken(world, outsider)) as string);
        assert.ok(!list.some((c) => c.id === world.group), outsider);
      }
    });

    it("search finds nothing of the group for outsiders, by word, title or sender", async () => {
      const search = async (token: string, q: string) =>
        request(server.url, "GET", `${API}/search?q=${encodeURIComponent(q)}&limit=50`, { token });
      const queries = [
        "body",
        world.late.body,
        world.early.body,
        `body in:${world.group}`,
        `body in:"${world.earlyTitle}"`,
        `body in:"${world.lateTitle}"`,
        `body from:${world.owner.username}`,
      ];
      const control = await search(world.member.token, world.late.body);
      assert.equal(control.status, 200, control.text);
      assert.ok(control.text.includes(world.late.id), "a member finds the message");
      for (const attacker of ["nonMember", "removed", "left"] as const) {
        const token = (await freshToken(world, attacker)) as string;
        for (const q of queries) {
          const found = await search(token, q);
          const made = await search(token, q.replaceAll(world.group, randomUUID()));
          assert.ok(found.status < 500, `${q} as ${attacker}: ${found.text}`);
          if (found.status === 200) assert.deepEqual(found.body.results, [], `${q} as ${attacker}`);
          assert.deepEqual(leaks(found.text, secretsFor(world, attacker), q), [], q);
          if (q.includes(world.group))
            assert.equal(found.text, made.text, "a real and a made-up id answer alike");
        }
      }
    });

    it("every socket frame type has a case; outsiders get not_found and learn nothing", async () => {
      const frames: Record<
        string,
        { needsMembership: boolean; noReply?: boolean; frame: Record<string, unknown> }
      > = {
        "message.send": {
          needsMembership: true,
          frame: { type: "message.send", id: "f1", conversation_id: world.group, body: "hi" },
        },
        typing: {
          needsMembership: true,
          frame: { type: "typing", id: "f2", conversation_id: world.group },
        },
        read: {
          needsMembership: true,
          frame: { type: "read", id: "f3", conversation_id: world.group, seq: 1 },
        },
        sync: { needsMembership: false, frame: { type: "sync", id: "f4", since: 0 } },
        ping: { needsMembership: false, frame: { type: "ping", id: "f5" } },
        focus: {
          needsMembership: false,
          noReply: true,
          frame: { type: "focus", id: "f6", active: false },
        },
      };
      assert.deepEqual(
        CLIENT_FRAME_TYPES.filter((t) => !Object.hasOwn(frames, t)),
        [],
        "frame types without a case",
      );
      for (const attacker of ["nonMember", "removed", "left"] as const) {
        const socket = await connect(server.url, (await freshToken(world, attacker)) as string);
        for (const [type, { needsMembership, noReply, frame }] of Object.entries(frames)) {
          socket.send(frame);
          if (noReply) {
            // Answered by nothing: a ping after it shows it was taken without an error.
            socket.send({ type: "ping", id: `${String(frame.id)}-after` });
            await socket.next((f) => f.id === `${String(frame.id)}-after`);
            assert.ok(!socket.frames.some((f) => f.id === frame.id), `${type} as ${attacker}`);
            continue;
          }
          const answer = await socket.next((f) => f.id === frame.id);
          if (needsMembership) {
            assert.deepEqual(
              [answer.type, answer.code],
              ["error", "not_found"],
              `${type} as ${attacker}`,
            );
          } else assert.notEqual(answer.type, "error", `${type} as ${attacker}`);
        }
        const secrets = secretsFor(world, attacker).filter((s) => s !== world.group);
        const text = JSON.stringify(socket.frames);
        assert.deepEqual(leaks(text, secrets, ""), [], attacker);
        if (attacker === "nonMember")
          assert.ok(
            !socket.frames.some(
              (f) => f.type !== "error" && JSON.stringify(f).includes(world.group),
            ),
          );
        await socket.close();
      }
      for (const attacker of ["anonymous", "disabled", "revoked"] as const) {
        const token = userOf(world, attacker)?.token;
        const outcome = await attemptSocket(socketUrl(server.url, token));
        assert.equal(outcome.code, 4401, attacker);
        assert.deepEqual(outcome.frames, [], attacker);
      }
    });

    it("former members' sockets hear nothing of the group; a stranger gets no presence", async () => {
      const { removed, left, nonMember } = world.sockets;
      const marks = new Map<TestSocket, number>();
      for (const [s, user] of [
        [removed, world.removed],
        [left, world.left],
      ] as const) {
        marks.set(
          s,
          s.frames.findIndex((f) => f.type === "member.left" && f.user_id === user.id) + 1,
        );
      }
      marks.set(nonMember, 0);
      const watcher = await connect(server.url, world.latecomer.token);
      const owner = await connect(server.url, world.owner.token);
      await watcher.next((f) => f.type === "presence" && f.user_id === world.owner.id);
      owner.send({ type: "typing", conversation_id: world.group });
      await watcher.next((f) => f.type === "typing");
      owner.send({ type: "message.send", id: 1, conversation_id: world.group, body: "after all" });
      const sent = await watcher.next((f) => f.type === "message.new");
      const member = await connect(server.url, world.member.token);
      member.send({ type: "read", conversation_id: world.group, seq: sent.message.seq });
      await watcher.next((f) => f.type === "read" && f.user_id === world.member.id);
      await request(server.url, "POST", `${API}/messages/${sent.message.id}/reactions`, {
        token: world.member.token,
        body: { emoji: "🎉" },
      });
      await watcher.next((f) => f.type === "reaction");
      await member.close();
      await watcher.next((f) => f.type === "presence" && f.status === "offline");
      for (const socket of marks.keys()) {
        socket.send({ type: "ping", id: "flush" });
        await socket.next((f) => f.type === "pong" && f.id === "flush");
      }
      await sleep(100);
      // Their own doings (a room of their own from the matrix) may show; nothing of the group.
      const group = [world.group, world.owner.id, world.member.id, world.latecomer.id];
      for (const [socket, mark] of marks) {
        const heard = socket.frames
          .slice(mark)
          .filter((f: Frame) => group.some((s) => JSON.stringify(f).includes(s)));
        assert.deepEqual(heard, [], "nothing after leaving or, for a stranger, at all");
      }
      await Promise.all([owner.close(), watcher.close()]);
    });

    it("nor does a stranger or former member learn presence over REST", async () => {
      const owner = await connect(server.url, world.owner.token);
      const lookup = async (token: string) =>
        (await request(server.url, "GET", `${API}/users/${world.owner.id}`, { token })).body;
      const seen = await lookup(world.member.token);
      assert.equal(seen.online, true, "a member sees the owner online");
      for (const attacker of ["nonMember", "removed", "left"] as const) {
        const body = await lookup(world[attacker].token);
        assert.equal(body.user.id, world.owner.id, "the directory still answers");
        assert.deepEqual([body.online, body.last_seen_at], [false, null], attacker);
      }
      await owner.close();
    });

    it("control: the owner gets something other than the outsiders' refusal", async () => {
      // Runs last of all: some calls change the group. The most sweeping go last, so they
      // cannot spoil the calls after them (adding the stranger makes them a member).
      const last = [
        "POST /api/v1/conversations/:id/members",
        "DELETE /api/v1/conversations/:id/members/:user_id",
        "DELETE /api/v1/messages/:id",
      ];
      const keys = routesNeedingCases(server.routes).covered.filter((k) =>
        ["conversation", "message", "attachment"].includes(ROUTE_CASES[k]?.scope ?? ""),
      );
      keys.sort((a, b) => last.indexOf(a) - last.indexOf(b));
      const same: string[] = [];
      for (const key of keys) {
        const route = ROUTE_CASES[key] as RouteCase;
        const refused = (await callRoute(world, key, route, "nonMember")).response;
        const owner = await callRoute(world, key, route, "nonMember", world.owner.token);
        if (owner.response.status === refused.status && owner.response.text === refused.text)
          same.push(`${key}: ${refused.status} ${refused.text}`);
      }
      assert.deepEqual(same, []);
    });
  });
