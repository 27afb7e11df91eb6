/**
 * Data exports over real HTTP on both engines: a person's own zip (profile, their
 * conversations, only the messages they wrote and their files' bytes) and an
 * administrator's export of one conversation, read back with yauzl; the audit rows;
 * one export at a time per caller.
 */
import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import { get as httpGet, type IncomingMessage } from "node:http";
import { after, before, it } from "node:test";
import type { MessageView } from "@private-chat/protocol/chat";
import { ApiClient, ApiError } from "@private-chat/sdk";
import { fromBufferPromise } from "yauzl";
import { uploadOk } from "../attachments/support.js";
import { createGroup, sendMessage } from "../helpers/chat.js";
import { forEachEngine } from "../helpers/engines.js";
import { createUser, type TestUser } from "../helpers/factories.js";
import { client } from "../helpers/http.js";
import { checkAgainstContract } from "../helpers/openapi-contract.js";
import type { TestServer } from "../helpers/server.js";

const API = "/api/v1";

interface Download {
  status: number;
  headers: Headers;
  bytes: Buffer;
}

async function download(baseUrl: string, path: string, token: string): Promise<Download> {
  const url = new URL(path, baseUrl);
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  const bytes = Buffer.from(await response.arrayBuffer());
  const isJson = (response.headers.get("content-type") ?? "").includes("json");
  const body = isJson ? JSON.parse(bytes.toString("utf8")) : undefined;
  await checkAgainstContract({
    method: "GET",
    url,
    status: response.status,
    contentType: response.headers.get("content-type"),
    text: isJson ? bytes.toString("utf8") : "",
    body,
  });
  return { status: response.status, headers: response.headers, bytes };
}

/** Every entry of the zip by path, with its bytes. */
async function unzip(bytes: Buffer): Promise<Map<string, Buffer>> {
  const zip = await fromBufferPromise(bytes, { lazyEntries: true });
  const files = new Map<string, Buffer>();
  for await (const entry of zip.eachEntry()) {
    const stream = await zip.openReadStreamPromise(entry);
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    files.set(entry.fileName, Buffer.concat(chunks));
  }
  return files;
}

const json = (files: Map<string, Buffer>, path: string): any => {
  const file = files.get(path);
  assert.ok(file, `${path} is in the zip`);
  return JSON.parse(file.toString("utf8"));
};

const lines = (files: Map<string, Buffer>, path: string): any[] => {
  const file = files.get(path);
  assert.ok(file, `${path} is in the zip`);
  return file
    .toString("utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line));
};

forEachEngine("data export", ({ start }) => {
  let server: TestServer;
  let api: ReturnType<typeof client>;
  let admin: TestUser;
  let alice: TestUser;
  let bob: TestUser;
  let groupId: string;
  let directId: string;
  const sent: Record<string, MessageView> = {};
  const fileBytes = randomBytes(3000);
  let attachmentId: string;

  const as = (user: TestUser) => ({ token: user.token });

  before(async () => {
    server = await start({ rate_limit: { enabled: false } });
    api = client(server.url);
    // The first account of a server is its administrator.
    admin = await createUser(server.url);
    alice = await createUser(server.url);
    bob = await createUser(server.url);
    groupId = (await createGroup(server.url, alice, [bob], "Export group")).id;
    const direct = await api.post(
      `${API}/conversations`,
      { type: "group", title: "Second room", member_ids: [bob.id] },
      as(alice),
    );
    assert.equal(direct.status, 201, direct.text);
    directId = direct.body.id;

    const device = await api.post(
      `${API}/devices`,
      { name: "alice's laptop", signature_key: randomBytes(32).toString("base64url") },
      as(alice),
    );
    assert.equal(device.status, 201, device.text);
    sent.first = await sendMessage(server.url, alice, groupId, "alice first");
    sent.bobs = await sendMessage(server.url, bob, groupId, "bob secret words");
    sent.edited = await sendMessage(server.url, alice, groupId, "alice before edit");
    const edit = await api.patch(
      `${API}/messages/${sent.edited.id}`,
      { body: "alice after edit" },
      as(alice),
    );
    assert.equal(edit.status, 200, edit.text);
    sent.deleted = await sendMessage(server.url, alice, groupId, "alice deleted this");
    const deleted = await api.delete(`${API}/messages/${sent.deleted.id}`, as(alice));
    assert.ok(deleted.status < 300, deleted.text);
    sent.reply = await sendMessage(server.url, alice, groupId, "alice in a thread", {
      thread_id: sent.bobs.id,
    });
    const file = await uploadOk(server.url, alice, directId, fileBytes, {
      name: "notes/../plan.bin",
    });
    attachmentId = file.id;
    const withFile = await api.post(
      `${API}/conversations/${directId}/messages`,
      { body: "alice with a file", attachment_ids: [attachmentId] },
      as(alice),
    );
    assert.equal(withFile.status, 201, withFile.text);
    sent.withFile = withFile.body;
    sent.bobsSecond = await sendMessage(server.url, bob, directId, "bob in the second room");
  });
  after(() => server.stop());

  it("downloads the caller's own data as a zip", async () => {
    const res = await download(server.url, `${API}/me/export`, alice.token);
    assert.equal(res.status, 200, res.bytes.toString("utf8").slice(0, 300));
    assert.equal(res.headers.get("content-type"), "application/zip");
    const today = new Date().toISOString().slice(0, 10);
    assert.match(
      res.headers.get("content-disposition") ?? "",
      new RegExp(`^attachment; filename="private-chat-export-${alice.username}-${today}\\.zip"`),
    );
    const files = await unzip(res.bytes);
    assert.ok(files.get("README.txt")?.toString("utf8").includes("profile.json"));

    const profile = json(files, "profile.json");
    assert.equal(profile.user.id, alice.id);
    assert.equal(profile.user.username, alice.username);
    assert.ok(profile.sessions.length >= 1);
    assert.ok(profile.sessions.some((s: { current: boolean }) => s.current));
    assert.deepEqual(
      profile.devices.map((d: { name: string }) => d.name),
      ["alice's laptop"],
    );
    assert.ok(!files.get("profile.json")?.toString("utf8").includes(alice.token));
    // No password field of any kind (a session's method may say "password").
    assert.doesNotMatch(files.get("profile.json")?.toString("utf8") ?? "", /"password\w*"\s*:/);

    const conversations = json(files, "conversations.json");
    assert.deepEqual(
      conversations.map((c: { id: string }) => c.id).sort(),
      [groupId, directId].sort(),
    );
    const group = conversations.find((c: { id: string }) => c.id === groupId);
    assert.equal(group.title, "Export group");
    assert.deepEqual(
      group.members.map((m: { username: string }) => m.username).sort(),
      [alice.username, bob.username].sort(),
    );

    const groupMessages = lines(files, `messages/${groupId}.jsonl`);
    assert.deepEqual(
      groupMessages.map((m) => m.id),
      [sent.first?.id, sent.edited?.id, sent.reply?.id],
      "only her own live messages, oldest first",
    );
    assert.ok(groupMessages.every((m) => m.sender_id === alice.id));
    const edited = groupMessages[1];
    assert.equal(edited.body, "alice after edit");
    assert.equal(typeof edited.edited_at, "number");
    assert.equal(typeof edited.created_at, "number");
    assert.equal(groupMessages[2].thread_id, sent.bobs?.id);
    assert.equal(groupMessages[2].thread_seq, 1);

    const directMessages = lines(files, `messages/${directId}.jsonl`);
    assert.equal(directMessages.length, 1);
    const [withFile] = directMessages;
    assert.equal(withFile.body, "alice with a file");
    assert.equal(withFile.attachments.length, 1);
    const described = withFile.attachments[0];
    assert.equal(described.id, attachmentId);
    assert.equal(described.size, fileBytes.length);
    assert.equal(described.file, `files/${attachmentId}/${described.name}`);
    assert.ok(!described.name.includes("/"));
    assert.deepEqual(files.get(described.file), fileBytes, "the file's bytes as uploaded");

    const everything = [...files.values()].map((b) => b.toString("latin1")).join("\n");
    for (const hidden of ["alice deleted this", "bob secret words", "bob in the second room"]) {
      assert.ok(!everything.includes(hidden), `"${hidden}" is not in the export`);
    }
    assert.ok(!everything.includes(sent.deleted?.id as string), "the deleted message's id");
  });

  it("holds what the caller wrote in a conversation they left, and nothing said since", async () => {
    const left = (await createGroup(server.url, bob, [alice], "Before alice left")).id;
    const mine = await sendMessage(server.url, alice, left, "alice wrote before leaving");
    await sendMessage(server.url, bob, left, "bob wrote while alice was there");
    const leave = await api.delete(`${API}/conversations/${left}/members/${alice.id}`, as(alice));
    assert.ok(leave.status < 300, leave.text);
    const renamed = await api.patch(
      `${API}/conversations/${left}`,
      { title: "Renamed since" },
      as(bob),
    );
    assert.equal(renamed.status, 200, renamed.text);
    const added = await api.post(
      `${API}/conversations/${left}/members`,
      { user_ids: [admin.id] },
      as(bob),
    );
    assert.ok(added.status < 300, added.text);
    await sendMessage(server.url, bob, left, "bob wrote after alice left");

    const files = await unzip((await download(server.url, `${API}/me/export`, alice.token)).bytes);
    const entry = json(files, "conversations.json").find((c: { id: string }) => c.id === left);
    assert.deepEqual(entry, {
      id: left,
      type: "group",
      title: null,
      created_at: entry.created_at,
      you_left: true,
      members: [],
      messages_file: `messages/${left}.jsonl`,
    });
    assert.deepEqual(
      lines(files, `messages/${left}.jsonl`).map((m) => m.id),
      [mine.id],
    );
    const everything = [...files.values()].map((b) => b.toString("latin1")).join("\n");
    for (const hidden of ["Renamed since", admin.username, "bob wrote"])
      assert.ok(!everything.includes(hidden), `"${hidden}" is not in the export`);
  });

  it("audits the export before it is sent", async () => {
    const audit = await api.get(`${API}/admin/audit?limit=50`, as(admin));
    assert.equal(audit.status, 200, audit.text);
    const row = audit.body.entries.find(
      (e: { action: string; target_id: string }) =>
        e.action === "export.account" && e.target_id === alice.id,
    );
    assert.ok(row, "an export.account row");
    assert.equal(row.actor_id, alice.id);
    assert.equal(row.actor_label, alice.username);
    assert.equal(row.target_type, "user");
  });

  it("exports a whole conversation for an administrator only", async () => {
    const path = `${API}/admin/conversations/${groupId}/export`;
    const refused = await api.get(path, as(alice));
    assert.equal(refused.status, 403);
    assert.equal(refused.body.error.code, "forbidden");
    const anonymous = await api.get(path);
    assert.equal(anonymous.status, 401);

    const unknown = await api.get(`${API}/admin/conversations/${randomUUID()}/export`, as(admin));
    assert.equal(unknown.status, 404, unknown.text);
    assert.equal(unknown.body.error.code, "not_found");
    const malformed = await api.get(`${API}/admin/conversations/not-an-id/export`, as(admin));
    assert.ok(malformed.status >= 400 && malformed.status < 500, malformed.text);
    assert.ok(malformed.body.error.code);

    const res = await download(server.url, path, admin.token);
    assert.equal(res.status, 200, res.bytes.toString("utf8").slice(0, 300));
    assert.match(res.headers.get("content-disposition") ?? "", /private-chat-conversation-/);
    const files = await unzip(res.bytes);
    assert.ok(!files.has("profile.json"));
    const [conversation] = json(files, "conversations.json");
    assert.equal(conversation.id, groupId);
    const messages = lines(files, `messages/${groupId}.jsonl`);
    assert.deepEqual(
      messages.map((m) => m.id),
      [sent.first?.id, sent.bobs?.id, sent.edited?.id, sent.reply?.id],
      "every member's live messages",
    );
    assert.equal(messages[1].sender_username, bob.username);
    assert.ok(![...files.keys()].some((name) => name.includes(directId)));

    const audit = await api.get(`${API}/admin/audit?limit=50`, as(admin));
    const row = audit.body.entries.find(
      (e: { action: string; target_id: string }) =>
        e.action === "export.conversation" && e.target_id === groupId,
    );
    assert.ok(row, "an export.conversation row");
    assert.equal(row.actor_id, admin.id);
    assert.equal(row.target_type, "conversation");
  });

  it("allows one export at a time per user, and frees it when the client leaves", async () => {
    // A file too large to sit in the socket buffers keeps the first export in progress
    // while its reader is paused.
    const carol = await createUser(server.url);
    const room = await createGroup(server.url, carol, [], "Big file");
    const big = await uploadOk(server.url, carol, room.id, randomBytes(20 * 1024 * 1024));
    const withBig = await api.post(
      `${API}/conversations/${room.id}/messages`,
      { body: "a big one", attachment_ids: [big.id] },
      as(carol),
    );
    assert.equal(withBig.status, 201, withBig.text);

    const first = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = httpGet(
        new URL(`${API}/me/export`, server.url),
        { headers: { authorization: `Bearer ${carol.token}` } },
        resolve,
      );
      req.on("error", reject);
    });
    assert.equal(first.statusCode, 200);
    first.pause();

    const second = await api.get(`${API}/me/export`, as(carol));
    assert.equal(second.status, 429, second.text);
    assert.equal(second.body.error.code, "rate_limited");
    assert.ok(Number(second.headers.get("retry-after")) > 0);

    // Someone else's export is not held up by it.
    const other = await download(server.url, `${API}/me/export`, bob.token);
    assert.equal(other.status, 200);

    first.destroy();
    let again: Download | undefined;
    for (let i = 0; i < 50; i++) {
      again = await download(server.url, `${API}/me/export`, carol.token);
      if (again.status !== 429) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(again?.status, 200, "the slot was freed when the first client left");
    const files = await unzip(again?.bytes ?? Buffer.alloc(0));
    assert.equal(files.get(`files/${big.id}/${big.name}`)?.length, 20 * 1024 * 1024);
  });

  it("the SDK's exportData() answers the zip unread, and a refusal as an ApiError", async () => {
    const sdk = new ApiClient({ baseUrl: server.url, token: alice.token });
    const response = await sdk.exportData();
    assert.equal(response.headers.get("content-type"), "application/zip");
    const files = await unzip(Buffer.from(await response.arrayBuffer()));
    assert.ok(files.has("profile.json"));
    const refused = new ApiClient({ baseUrl: server.url, token: alice.token });
    await assert.rejects(refused.exportConversation(groupId), (err: unknown) => {
      assert.ok(err instanceof ApiError);
      assert.equal(err.code, "forbidden");
      return true;
    });
    const asAdmin = new ApiClient({ baseUrl: server.url, token: admin.token });
    const held = await unzip(
      Buffer.from(await (await asAdmin.exportConversation(groupId)).arrayBuffer()),
    );
    assert.ok(held.has(`messages/${groupId}.jsonl`));
  });

  it("refuses without a token with a JSON error", async () => {
    const res = await api.get(`${API}/me/export`);
    assert.equal(res.status, 401);
    assert.equal(res.body.error.code, "unauthorized");
  });
});
