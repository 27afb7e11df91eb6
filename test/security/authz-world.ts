/**
 * The cast of the authorisation matrix: one group conversation and everyone who stands
 * somewhere around it (a member, a stranger, a removed member, one who left, a disabled
 * member, a member whose session ended), plus the secrets an outsider must never see.
 * Secrets made after the removals are the ones even former members must not learn.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import type { MessageView } from "@private-chat/protocol/chat";
import { addMembers, createGroup, sendMessage } from "../helpers/chat.js";
import { createUser, type TestUser, uniqueUsername } from "../helpers/factories.js";
import { client, request } from "../helpers/http.js";
import type { TestServer } from "../helpers/server.js";
import { connect, type TestSocket } from "../helpers/socket.js";

export const API = "/api/v1";

/** Who makes a request in the matrix. */
export type Attacker = "anonymous" | "nonMember" | "removed" | "left" | "disabled" | "revoked";
export const ATTACKERS: Attacker[] = [
  "anonymous",
  "nonMember",
  "removed",
  "left",
  "disabled",
  "revoked",
];

export interface World {
  server: TestServer;
  admin: TestUser;
  owner: TestUser;
  member: TestUser;
  nonMember: TestUser;
  removed: TestUser;
  left: TestUser;
  disabled: TestUser;
  revoked: TestUser;
  /** Added after the removals: their name is news to the former members. */
  latecomer: TestUser;
  group: string;
  earlyTitle: string;
  /** The title after a rename that followed the removals. */
  lateTitle: string;
  early: MessageView;
  late: MessageView;
  /** A file sent with a message before the removals. */
  attachmentId: string;
  ownerSessionId: string;
  /** A device of the owner's (end-to-end encryption): nobody else may touch it. */
  ownerDeviceId: string;
  /** A chunk of the owner's key backup: nobody else may read, replace or delete it. */
  ownerChunkId: string;
  /** A history share waiting for the owner's device: nobody else may list, read or delete it. */
  ownerShareId: string;
  inviteId: string;
  /** Secrets from before the removals (former members saw them). */
  earlySecrets: string[];
  /** Secrets from after the removals: nobody outside may see them. */
  lateSecrets: string[];
  /** Sockets the former members and the stranger held before the removals. */
  sockets: { removed: TestSocket; left: TestSocket; nonMember: TestSocket };
}

const tag = () => randomBytes(5).toString("hex");

function ok(what: string, status: number, text: string, expected: number[]): void {
  assert.ok(expected.includes(status), `${what}: ${status} ${text}`);
}

/** Builds the world; `server` must be fresh (its first user becomes the administrator). */
export async function buildWorld(server: TestServer): Promise<World> {
  const api = client(server.url);
  const admin = await createUser(server.url, { username: uniqueUsername("authzadmin") });
  const make = (role: string) => createUser(server.url, { username: uniqueUsername(role) });
  const owner = await make("owner");
  const member = await make("member");
  const nonMember = await make("stranger");
  const removed = await make("removed");
  const left = await make("leaver");
  const disabled = await make("disabled");
  const revoked = await make("revoked");
  const latecomer = await make("latecomer");

  const earlyTitle = `early-title-${tag()}`;
  const group = (
    await createGroup(server.url, owner, [member, removed, left, disabled, revoked], earlyTitle)
  ).id;
  const original = await sendMessage(server.url, member, group, `early-original-${tag()}`);
  // Edited, so its earlier version is a secret of the group too.
  const edited = await api.patch(
    `${API}/messages/${original.id}`,
    { body: `early-body-${tag()}` },
    { token: member.token },
  );
  ok("edit", edited.status, edited.text, [200]);
  const early = edited.body as MessageView;
  const fileName = `early-file-${tag()}.txt`;
  const attachmentId = await upload(server.url, owner, group, fileName, `early-bytes-${tag()}`);
  const withFile = await api.post(
    `${API}/conversations/${group}/messages`,
    { body: `early-with-file-${tag()}`, attachment_ids: [attachmentId] },
    { token: owner.token },
  );
  ok("send a file", withFile.status, withFile.text, [201]);
  const reacted = await api.post(
    `${API}/messages/${early.id}/reactions`,
    { emoji: "👍" },
    { token: owner.token },
  );
  ok("react", reacted.status, reacted.text, [200]);
  const threadReply = await api.post(
    `${API}/conversations/${group}/messages`,
    { body: `early-thread-reply-${tag()}`, thread_id: early.id },
    { token: owner.token },
  );
  ok("reply in a thread", threadReply.status, threadReply.text, [201]);

  const sockets = {
    removed: await connect(server.url, removed.token),
    left: await connect(server.url, left.token),
    nonMember: await connect(server.url, nonMember.token),
  };

  const kick = await api.delete(`${API}/conversations/${group}/members/${removed.id}`, {
    token: owner.token,
  });
  ok("remove a member", kick.status, kick.text, [204]);
  const leave = await api.delete(`${API}/conversations/${group}/members/${left.id}`, {
    token: left.token,
  });
  ok("leave", leave.status, leave.text, [204]);
  await sockets.removed.next((f) => f.type === "member.left");
  await sockets.left.next((f) => f.type === "member.left");
  const disable = await api.patch(
    `${API}/admin/users/${disabled.id}`,
    { disabled: true },
    { token: admin.token },
  );
  ok("disable", disable.status, disable.text, [200]);
  const logout = await api.post(`${API}/auth/logout`, undefined, { token: revoked.token });
  ok("log out", logout.status, logout.text, [204]);

  const lateTitle = `late-title-${tag()}`;
  const rename = await api.patch(
    `${API}/conversations/${group}`,
    { title: lateTitle },
    { token: owner.token },
  );
  ok("rename", rename.status, rename.text, [200]);
  await addMembers(server.url, owner, group, [latecomer]);
  const late = await sendMessage(server.url, owner, group, `late-body-${tag()}`);

  const sessions = await api.get(`${API}/sessions`, { token: owner.token });
  const invite = await api.post(`${API}/admin/invites`, {}, { token: admin.token });
  ok("create invite", invite.status, invite.text, [201]);
  const device = await api.post(
    `${API}/devices`,
    { name: "owner's laptop", signature_key: randomBytes(32).toString("base64url") },
    { token: owner.token },
  );
  ok("register a device", device.status, device.text, [201]);
  const phone = await api.post(
    `${API}/devices`,
    { name: "owner's phone", signature_key: randomBytes(32).toString("base64url") },
    { token: owner.token },
  );
  ok("register a second device", phone.status, phone.text, [201]);
  const bytes = (n: number) => randomBytes(n).toString("base64url");
  const share = await api.post(
    `${API}/devices/${device.body.id}/history-shares`,
    {
      from_device_id: phone.body.id,
      key_package_ref: bytes(32),
      enc: bytes(32),
      wrapped_key: bytes(48),
      archive: bytes(64),
      signature: bytes(64),
    },
    { token: owner.token },
  );
  ok("share history with the first device", share.status, share.text, [201]);
  // The owner's key backup: its wrapped key and chunk are nobody else's to see.
  const wrappedKey = randomBytes(60).toString("base64url");
  const backup = await api.put(
    `${API}/key-backup`,
    {
      kdf: {
        algorithm: "argon2id",
        memory_kib: 19_456,
        iterations: 2,
        parallelism: 1,
        salt: randomBytes(16).toString("base64url"),
      },
      wrapped_key: wrappedKey,
    },
    { token: owner.token },
  );
  ok("set up a key backup", backup.status, backup.text, [201]);
  const ownerChunkId = randomBytes(32).toString("base64url");
  const chunk = randomBytes(64).toString("base64url");
  const put = await api.put(
    `${API}/key-backup/chunks/${ownerChunkId}`,
    { data: chunk },
    { token: owner.token },
  );
  ok("upload a chunk", put.status, put.text, [204]);

  return {
    server,
    admin,
    owner,
    member,
    nonMember,
    removed,
    left,
    disabled,
    revoked,
    latecomer,
    group,
    earlyTitle,
    lateTitle,
    early,
    late,
    attachmentId,
    ownerSessionId: sessions.body.sessions[0].id,
    ownerDeviceId: device.body.id,
    ownerChunkId,
    ownerShareId: share.body.id,
    inviteId: invite.body.invite.id,
    earlySecrets: [
      group,
      earlyTitle,
      early.body,
      original.body,
      early.id,
      fileName,
      attachmentId,
      withFile.body.body,
      threadReply.body.body,
      threadReply.body.id,
      ...[owner, member, removed, left, disabled, revoked].map((u) => u.username),
    ],
    lateSecrets: [lateTitle, late.body, late.id, latecomer.username, wrappedKey, chunk],
    sockets,
  };
}

/** Uploads a small text file into a conversation; returns the attachment id. */
export async function upload(
  baseUrl: string,
  user: TestUser,
  conversationId: string,
  name: string,
  content: string,
): Promise<string> {
  const response = await fetch(`${baseUrl}${API}/conversations/${conversationId}/attachments`, {
    method: "POST",
    headers: { authorization: `Bearer ${user.token}` },
    body: uploadForm(name, content),
  });
  const text = await response.text();
  assert.equal(response.status, 201, `upload: ${text}`);
  return (JSON.parse(text) as { id: string }).id;
}

export function uploadForm(name: string, content: string): FormData {
  const form = new FormData();
  form.append("file", new Blob([content], { type: "text/plain" }), name);
  return form;
}

/** The user behind an attacker (anonymous has none). */
export function userOf(world: World, attacker: Attacker): TestUser | undefined {
  return attacker === "anonymous" ? undefined : world[attacker];
}

/** A token of a session that is still live for the attacker's account, where one can exist. */
export async function freshToken(world: World, attacker: Attacker): Promise<string | undefined> {
  const user = userOf(world, attacker);
  if (!user || attacker === "disabled" || attacker === "revoked") return user?.token;
  const login = await request(world.server.url, "POST", `${API}/auth/login`, {
    body: { username: user.username, password: user.password },
  });
  assert.equal(login.status, 200, login.text);
  return login.body.token;
}

/**
 * What this attacker must not find in a response. Former members knew the early secrets
 * (and the conversation's id); everyone else knew none of them.
 */
export function secretsFor(world: World, attacker: Attacker): string[] {
  const own = userOf(world, attacker)?.username;
  const former = attacker === "removed" || attacker === "left";
  const all = former
    ? [world.group, ...world.lateSecrets]
    : [...world.earlySecrets, ...world.lateSecrets];
  return all.filter((s) => s !== own);
}
