/**
 * The seeded world the OpenAPI fuzz aims at: the REST fuzz fixture (an administrator who
 * owns a group and a direct conversation with Bob, a message from each) grown with more
 * users, groups, messages, an attachment, invites and spare sessions, and the hints that
 * let generated fields name them. Every request is made as the administrator, who is never
 * among the ids a request may name, so valid requests change the world but leave the caller.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { pngImage, uploadOk } from "../attachments/support.js";
import { addMembers, createGroup, sendMany } from "../helpers/chat.js";
import { createUser } from "../helpers/factories.js";
import { client } from "../helpers/http.js";
import type { TestServer } from "../helpers/server.js";
import { type Fixture, setUpFixture } from "./fuzz-rest-endpoints.js";
import type { FieldHint } from "./openapi-values.js";

export type IdKind = "user" | "conversation" | "message" | "attachment" | "session" | "invite";

export interface OpenApiWorld extends Fixture {
  ids: Record<IdKind, string[]>;
  /** Logs the administrator in again (after a request ended the session), if need be. */
  ensureSession(): Promise<void>;
}

export async function setUpWorld(server: TestServer): Promise<OpenApiWorld> {
  const f = await setUpFixture(server);
  const api = client(server.url);
  const victims = await Promise.all([1, 2, 3].map(() => createUser(server.url)));
  await addMembers(server.url, f.admin, f.group, victims.slice(0, 2));
  const groups = [
    f.group,
    (await createGroup(server.url, f.admin, [f.bob, ...victims])).id,
    (await createGroup(server.url, f.admin, [])).id,
  ];
  const messages = [f.ownMessage, f.bobsMessage];
  for (const group of groups) {
    messages.push(...(await sendMany(server.url, f.admin, group, 4, "seed")).map((m) => m.id));
  }
  const attachment = await uploadOk(server.url, f.admin, f.group, await pngImage(), {
    name: "seed.png",
  });
  const invites: string[] = [];
  for (let i = 0; i < 2; i++) {
    const res = await api.post("/api/v1/admin/invites", {}, { token: f.admin.token });
    assert.equal(res.status, 201, res.text);
    invites.push(res.body.invite.id);
  }
  // Spare sessions of the administrator, for DELETE /sessions/{id} to end.
  for (let i = 0; i < 2; i++) {
    const res = await api.post("/api/v1/auth/login", {
      username: f.admin.username,
      password: f.admin.password,
    });
    assert.equal(res.status, 200, res.text);
  }
  const sessions = await api.get("/api/v1/sessions", { token: f.admin.token });
  const spare = (sessions.body.sessions as { id: string; current: boolean }[])
    .filter((s) => !s.current)
    .map((s) => s.id);
  const world: OpenApiWorld = {
    ...f,
    ids: {
      user: [f.bob.id, f.pwUser.id, ...victims.map((v) => v.id)],
      conversation: [...groups, f.direct],
      message: messages,
      attachment: [attachment.id],
      session: spare,
      invite: invites,
    },
    async ensureSession() {
      if ((await api.get("/api/v1/me", { token: world.admin.token })).status === 200) return;
      const res = await api.post("/api/v1/auth/login", {
        username: f.admin.username,
        password: f.admin.password,
      });
      assert.equal(res.status, 200, `the administrator logs in again: ${res.text}`);
      world.admin = { ...world.admin, token: res.body.token };
    },
  };
  return world;
}

/** Which kind of id a path parameter names, from the path it sits in. */
export function pathIdKind(path: string, name: string): IdKind | undefined {
  if (name === "user_id") return "user";
  if (name !== "id") return undefined;
  const before = path.slice(0, path.indexOf("{id}"));
  if (before.endsWith("/conversations/")) return "conversation";
  if (before.endsWith("/messages/")) return "message";
  if (before.endsWith("/attachments/")) return "attachment";
  if (before.endsWith("/users/")) return "user";
  if (before.endsWith("/sessions/")) return "session";
  if (before.endsWith("/invites/")) return "invite";
  return undefined;
}

const FIELD_KINDS: Record<string, IdKind> = {
  member_id: "user",
  user_id: "user",
  reply_to: "message",
  attachment_id: "attachment",
  conversation_id: "conversation",
};

const EMOJI = ["👍", "❤️", "😂", "🎉", "👍🏽", "🏳️‍🌈", "x", "+1"];

/** Known values for fields, mixed with the schema's own values by the caller. */
export function worldHint(world: OpenApiWorld): FieldHint {
  return (name) => {
    const kind = FIELD_KINDS[name];
    if (kind) return fc.constantFrom(...world.ids[kind]);
    if (name === "emoji") return fc.constantFrom(...EMOJI);
    if (name === "username") return fc.stringMatching(/^[a-z][a-z0-9_]{2,31}$/);
    return undefined;
  };
}

/** A known id of `kind`, or (rarely) one that does not exist. */
export function knownId(world: OpenApiWorld, kind: IdKind): fc.Arbitrary<string> {
  const ids = world.ids[kind];
  return ids.length > 0 ? fc.constantFrom(...ids) : fc.uuid();
}
