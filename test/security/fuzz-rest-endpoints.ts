/**
 * The write endpoints the REST fuzz aims at, each with a body its schema accepts, its path
 * to a real target or to one that does not exist, and the schema-valid bodies the service
 * must still refuse; and the fixture they are aimed at: an administrator who owns a group
 * and a direct conversation with Bob, a message from each, and a user for password changes.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { adminCreateUserBody } from "@private-chat/protocol/admin";
import {
  addMembersBody,
  createConversationBody,
  editMessageBody,
  reactionBody,
  readBody,
  sendMessageBody,
  updateConversationBody,
  updateMemberBody,
} from "@private-chat/protocol/chat";
import {
  changePasswordBody,
  loginBody,
  PASSWORD_MAX,
  PASSWORD_MIN,
  registerBody,
  USERNAME_PATTERN,
} from "@private-chat/protocol/rest";
import fc from "fast-check";
import type { z } from "zod/mini";
import { createUser, type TestUser } from "../helpers/factories.js";
import { client } from "../helpers/http.js";
import type { TestServer } from "../helpers/server.js";
import { blank, codePoints, type Json, strangeId, tooLongBody, weirdString } from "./hostile.js";

export interface Fixture {
  server: TestServer;
  admin: TestUser;
  bob: TestUser;
  pwUser: TestUser;
  group: string;
  direct: string;
  ownMessage: string;
  bobsMessage: string;
}

export async function setUpFixture(server: TestServer): Promise<Fixture> {
  const admin = await createUser(server.url); // the first account is an administrator
  const bob = await createUser(server.url);
  const pwUser = await createUser(server.url);
  const api = client(server.url);
  const group = await api.post(
    "/api/v1/conversations",
    { type: "group", title: "fuzz", member_ids: [bob.id] },
    { token: admin.token },
  );
  assert.equal(group.status, 201);
  const direct = await api.post(
    "/api/v1/conversations",
    { type: "direct", member_ids: [bob.id] },
    { token: admin.token },
  );
  assert.equal(direct.status, 201);
  const own = await api.post(
    `/api/v1/conversations/${group.body.id}/messages`,
    { body: "mine" },
    { token: admin.token },
  );
  const bobs = await api.post(
    `/api/v1/conversations/${group.body.id}/messages`,
    { body: "bob's" },
    { token: bob.token },
  );
  assert.equal(own.status, 201);
  assert.equal(bobs.status, 201);
  return {
    server,
    admin,
    bob,
    pwUser,
    group: group.body.id,
    direct: direct.body.id,
    ownMessage: own.body.id,
    bobsMessage: bobs.body.id,
  };
}

export interface Endpoint {
  name: string;
  method: "POST" | "PATCH";
  auth: "none" | "user" | "admin" | "pw";
  schema: z.ZodMiniType;
  weight: number;
  /** A body the schema accepts. */
  template: (f: Fixture) => Json;
  /** The path with real targets, or, when `missing`, with targets that do not exist. */
  path: (f: Fixture, missing: boolean) => string;
  /** Has an id in the path: schema-valid bodies can go to a target that does not exist. */
  targeted: boolean;
  /** For untargeted endpoints: whether a schema-valid body is certain to be refused. */
  refusesValid?: (f: Fixture, body: Json) => boolean;
  /** Schema-valid bodies the service must refuse on the real path. */
  semantic?: (f: Fixture) => fc.Arbitrary<Json>;
}

const missingId = () => randomUUID();
const passwordOk = (p: unknown) =>
  typeof p === "string" && codePoints(p) >= PASSWORD_MIN && codePoints(p) <= PASSWORD_MAX;
export const ENDPOINTS: Endpoint[] = [
  {
    name: "register",
    method: "POST",
    auth: "none",
    schema: registerBody,
    weight: 1000,
    template: () => ({
      username: "fuzz_user",
      password: "long enough password",
      display_name: "F",
    }),
    path: () => "/api/v1/auth/register",
    targeted: false,
    refusesValid: (_f, b) => !USERNAME_PATTERN.test(String(b.username)) || !passwordOk(b.password),
    semantic: () =>
      fc.oneof(
        fc.record({
          username: weirdString.filter((u) => !USERNAME_PATTERN.test(u)),
          password: weirdString,
        }),
        fc.record({
          username: fc.constantFrom("ok_name", "abc", "a".repeat(32)),
          password: weirdString.filter((p) => !passwordOk(p)),
          display_name: weirdString.filter((d) => d.length <= 64),
        }),
      ),
  },
  {
    name: "login",
    method: "POST",
    auth: "none",
    schema: loginBody,
    weight: 900,
    template: (f) => ({ username: f.bob.username, password: "wrong password" }),
    path: () => "/api/v1/auth/login",
    targeted: false,
    // Every schema-valid login costs an argon2 verification: send none of them.
    refusesValid: () => false,
  },
  {
    name: "password change",
    method: "POST",
    auth: "pw",
    schema: changePasswordBody,
    weight: 800,
    template: () => ({ current_password: "wrong password", new_password: "another password" }),
    path: () => "/api/v1/auth/password",
    targeted: false,
    refusesValid: () => false,
  },
  {
    name: "create conversation",
    method: "POST",
    auth: "user",
    schema: createConversationBody,
    weight: 1100,
    template: () => ({ type: "group", title: "fuzz", member_ids: [missingId()] }),
    path: () => "/api/v1/conversations",
    targeted: false,
    refusesValid: (f, b) => {
      const ids = Array.isArray(b.member_ids) ? (b.member_ids as string[]) : [];
      const realIds = [f.admin.id, f.bob.id, f.pwUser.id];
      if (b.type === "direct") return !realIds.includes(ids[0] as string);
      return String(b.title).trim() === "" || ids.some((id) => !realIds.includes(id));
    },
    semantic: (f) =>
      fc.oneof(
        fc.record({
          type: fc.constant("group"),
          title: blank,
          member_ids: fc.constant([f.bob.id]),
        }),
        fc.record({ type: fc.constant("direct"), member_ids: strangeId.map((id) => [id]) }),
        fc.record({
          type: fc.constant("group"),
          title: fc.constant("t"),
          member_ids: fc
            .array(strangeId, { minLength: 1, maxLength: 20 })
            .map((ids) => [f.bob.id, ...ids]),
        }),
      ),
  },
  {
    name: "send message",
    method: "POST",
    auth: "user",
    schema: sendMessageBody,
    weight: 1300,
    template: () => ({ body: "hello", client_id: "c1" }),
    path: (f, missing) => `/api/v1/conversations/${missing ? missingId() : f.group}/messages`,
    targeted: true,
    semantic: () =>
      fc.oneof(
        fc.record({ body: blank }),
        fc.record({ body: tooLongBody }),
        fc.record({ body: fc.constant("hi"), reply_to: strangeId }),
        fc.record({ body: blank, client_id: strangeId, reply_to: strangeId }),
      ),
  },
  {
    name: "edit message",
    method: "PATCH",
    auth: "user",
    schema: editMessageBody,
    weight: 1000,
    template: () => ({ body: "edited" }),
    path: (f, missing) => `/api/v1/messages/${missing ? missingId() : f.ownMessage}`,
    targeted: true,
    semantic: () => fc.oneof(fc.record({ body: blank }), fc.record({ body: tooLongBody })),
  },
  {
    name: "reaction",
    method: "POST",
    auth: "user",
    schema: reactionBody,
    weight: 900,
    template: () => ({ emoji: "👍" }),
    path: (f, missing) => `/api/v1/messages/${missing ? missingId() : f.ownMessage}/reactions`,
    targeted: true,
    semantic: () =>
      fc.oneof(
        fc.record({ emoji: blank.filter((s) => s.length >= 1) }),
        fc.record({
          emoji: fc
            .string({ unit: "binary", minLength: 9, maxLength: 32 })
            .filter((s) => codePoints(s.trim()) > 8 && s.length <= 32),
        }),
      ),
  },
  {
    name: "read",
    method: "POST",
    auth: "user",
    schema: readBody,
    weight: 800,
    template: () => ({ seq: 1 }),
    path: (f, missing) => `/api/v1/conversations/${missing ? missingId() : f.group}/read`,
    targeted: true,
  },
  {
    name: "add members",
    method: "POST",
    auth: "user",
    schema: addMembersBody,
    weight: 700,
    template: () => ({ user_ids: [missingId()] }),
    path: (f, missing) => `/api/v1/conversations/${missing ? missingId() : f.group}/members`,
    targeted: true,
    semantic: () => fc.record({ user_ids: fc.array(strangeId, { minLength: 1, maxLength: 30 }) }),
  },
  {
    name: "member role",
    method: "PATCH",
    auth: "user",
    schema: updateMemberBody,
    weight: 500,
    template: () => ({ role: "admin" }),
    path: (f, missing) =>
      missing
        ? `/api/v1/conversations/${f.group}/members/${missingId()}`
        : `/api/v1/conversations/${f.group}/members/${f.admin.id}`,
    targeted: true,
    // On the real path the target is the caller: the owner may not change their own role.
    semantic: () => fc.record({ role: fc.constantFrom("owner", "admin", "member") }),
  },
  {
    name: "rename conversation",
    method: "PATCH",
    auth: "user",
    schema: updateConversationBody,
    weight: 400,
    template: () => ({ title: "renamed" }),
    path: (f, missing) => `/api/v1/conversations/${missing ? missingId() : f.group}`,
    targeted: true,
    semantic: () => fc.record({ title: blank }),
  },
  {
    name: "admin create user",
    method: "POST",
    auth: "admin",
    schema: adminCreateUserBody,
    weight: 600,
    template: () => ({
      username: "made_by_admin",
      password: "long enough password",
      is_admin: false,
    }),
    path: () => "/api/v1/admin/users",
    targeted: false,
    refusesValid: (_f, b) =>
      !USERNAME_PATTERN.test(String(b.username)) ||
      (b.password !== undefined && !passwordOk(b.password)),
    semantic: () =>
      fc.record(
        {
          username: weirdString.filter((u) => !USERNAME_PATTERN.test(u)),
          password: weirdString,
          is_admin: fc.boolean(),
        },
        { requiredKeys: ["username"] },
      ),
  },
];
