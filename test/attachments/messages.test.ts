import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, it } from "node:test";
import type { MessageView } from "@private-chat/protocol/chat";
import { ApiClient } from "@private-chat/sdk";
import { startEncrypted } from "@private-chat/sdk/mls";
import { b64, refusal, setUpDevice } from "../e2ee/device-fixture.js";
import { addMembers, createGroup } from "../helpers/chat.js";
import { forEachEngine } from "../helpers/engines.js";
import { createUser, type TestUser } from "../helpers/factories.js";
import { client } from "../helpers/http.js";
import type { TestServer } from "../helpers/server.js";
import { connect, sleep } from "../helpers/socket.js";
import { API, download, filesUnder, pngImage, upload, uploadOk } from "./support.js";

forEachEngine("attachments on messages", ({ start }) => {
  let server: TestServer;
  let api: ReturnType<typeof client>;
  let a: TestUser;
  let b: TestUser;
  let conversationId: string;
  const as = (user: TestUser) => ({ token: user.token });
  const send = (user: TestUser, body: unknown) =>
    api.post<MessageView & { error?: { code: string } }>(
      `${API}/conversations/${conversationId}/messages`,
      body,
      as(user),
    );
  const history = async (user: TestUser) => {
    const res = await api.get<{ messages: MessageView[] }>(
      `${API}/conversations/${conversationId}/messages`,
      as(user),
    );
    assert.equal(res.status, 200, res.text);
    return res.body.messages;
  };

  before(async () => {
    server = await start({ rate_limit: { enabled: false } });
    api = client(server.url);
    [a, b] = await Promise.all([createUser(server.url), createUser(server.url)]);
    conversationId = (await createGroup(server.url, a, [b])).id;
  });
  after(() => server.stop());

  it("sends files with a message: in the answer, the socket's message.new and history", async () => {
    const socket = await connect(server.url, b.token);
    try {
      const image = await uploadOk(server.url, a, conversationId, await pngImage(), {
        name: "pic.png",
      });
      const doc = await uploadOk(server.url, a, conversationId, Buffer.from("hello"), {
        name: "a.txt",
      });
      const sent = await send(a, { body: "look", attachment_ids: [doc.id, image.id] });
      assert.equal(sent.status, 201, sent.text);
      assert.deepEqual(sent.body.attachments, [doc, image]);
      const live = await socket.next((f) => f.type === "message.new");
      assert.deepEqual(live.message.attachments, [doc, image]);
      const [last] = (await history(b)).slice(-1);
      assert.deepEqual(last?.attachments, [doc, image]);
      const one = await api.get<MessageView>(`${API}/messages/${sent.body.id}`, as(b));
      assert.deepEqual(one.body.attachments, [doc, image]);
      // Now sent, the other member may download it.
      const got = await download(server.url, b, `/attachments/${image.id}`);
      assert.equal(got.status, 200);
    } finally {
      await socket.close();
    }
  });

  it("search shows a message as history and GET /messages/:id do, files and reactions included", async () => {
    const doc = await uploadOk(server.url, a, conversationId, Buffer.from("found"), {
      name: "found.txt",
    });
    const sent = await send(a, { body: "zebracorn sighting", attachment_ids: [doc.id] });
    assert.equal(sent.status, 201, sent.text);
    const reacted = await api.post(
      `${API}/messages/${sent.body.id}/reactions`,
      { emoji: "👍" },
      as(b),
    );
    assert.equal(reacted.status, 200, reacted.text);
    const inHistory = (await history(b)).find((m) => m.id === sent.body.id);
    const one = await api.get<MessageView>(`${API}/messages/${sent.body.id}`, as(b));
    const found = await api.get<{ results: { message: MessageView }[] }>(
      `${API}/search?q=zebracorn`,
      as(b),
    );
    assert.equal(found.status, 200, found.text);
    assert.equal(found.body.results.length, 1);
    const inSearch = found.body.results[0]?.message;
    assert.deepEqual(inSearch?.attachments, [doc]);
    assert.equal(inSearch?.reactions?.length, 1);
    assert.deepEqual(inSearch, inHistory);
    assert.deepEqual(inSearch, one.body);
  });

  it("takes a message of files alone, and sends over the socket too", async () => {
    const doc = await uploadOk(server.url, a, conversationId, Buffer.from("only a file"));
    const alone = await send(a, { body: "", attachment_ids: [doc.id] });
    assert.equal(alone.status, 201, alone.text);
    assert.equal(alone.body.attachments?.length, 1);
    const empty = await send(a, { body: "", attachment_ids: [] });
    assert.equal(empty.status, 400);
    assert.equal(empty.body.error?.code, "body_empty");

    const viaSocket = await uploadOk(server.url, a, conversationId, Buffer.from("by socket"));
    const socket = await connect(server.url, a.token);
    try {
      socket.send({
        type: "message.send",
        id: 1,
        conversation_id: conversationId,
        body: "socket send",
        attachment_ids: [viaSocket.id],
      });
      const ack = await socket.next((f) => f.type === "ack" || f.type === "error");
      assert.equal(ack.type, "ack", JSON.stringify(ack));
      assert.deepEqual(ack.message.attachments, [viaSocket]);
    } finally {
      await socket.close();
    }
  });

  it("a repeated client_id answers with the first message, files included", async () => {
    const doc = await uploadOk(server.url, a, conversationId, Buffer.from("retried"));
    const body = { body: "retry me", client_id: "att-retry-1", attachment_ids: [doc.id] };
    const first = await send(a, body);
    assert.equal(first.status, 201, first.text);
    const again = await send(a, body);
    assert.equal(again.status, 200, again.text);
    assert.equal(again.body.id, first.body.id);
    assert.deepEqual(again.body.attachments, [doc]);
  });

  it("a member added later cannot download files sent before they joined", async () => {
    const doc = await uploadOk(server.url, a, conversationId, Buffer.from("before c"));
    await send(a, { body: "old news", attachment_ids: [doc.id] });
    const c = await createUser(server.url);
    await addMembers(server.url, a, conversationId, [c]);
    assert.equal((await download(server.url, c, `/attachments/${doc.id}`)).status, 404);
    assert.equal((await download(server.url, b, `/attachments/${doc.id}`)).status, 200);
    const later = await uploadOk(server.url, a, conversationId, Buffer.from("after c"));
    await send(a, { body: "new news", attachment_ids: [later.id] });
    assert.equal((await download(server.url, c, `/attachments/${later.id}`)).status, 200);
  });

  it("refuses an attachment already sent, someone else's, another conversation's, or unknown", async () => {
    const doc = await uploadOk(server.url, a, conversationId, Buffer.from("once"));
    assert.equal((await send(a, { body: "first", attachment_ids: [doc.id] })).status, 201);
    const reuse = await send(a, { body: "again", attachment_ids: [doc.id] });
    assert.equal(reuse.status, 400, reuse.text);
    assert.equal(reuse.body.error?.code, "invalid_request");

    const mine = await uploadOk(server.url, a, conversationId, Buffer.from("a's file"));
    const stolen = await send(b, { body: "mine now", attachment_ids: [mine.id] });
    assert.equal(stolen.body.error?.code, "invalid_request");

    const elsewhere = await createGroup(server.url, a, [b]);
    const other = await uploadOk(server.url, a, elsewhere.id, Buffer.from("other room"));
    const crossed = await send(a, { body: "x", attachment_ids: [other.id] });
    assert.equal(crossed.body.error?.code, "invalid_request");

    const unknown = await send(a, {
      body: "x",
      attachment_ids: ["00000000-0000-4000-8000-000000000000"],
    });
    assert.equal(unknown.body.error?.code, "invalid_request");
    const twice = await send(a, { body: "x", attachment_ids: [mine.id, mine.id] });
    assert.equal(twice.body.error?.code, "invalid_request");
    const notUuid = await send(a, { body: "x", attachment_ids: ["nope"] });
    assert.equal(notUuid.body.error?.code, "invalid_request");
    const tooMany = await send(a, {
      body: "x",
      attachment_ids: Array.from({ length: 11 }, () => crypto.randomUUID()),
    });
    assert.equal(tooMany.body.error?.code, "invalid_request");
    // A refused send wrote nothing: the upload is still free to send.
    assert.equal((await send(a, { body: "ok", attachment_ids: [mine.id] })).status, 201);
  });

  it("deleting a message removes its attachments and their files", async () => {
    const uploads = join(server.dir, "uploads", "blobs");
    const shared = Buffer.from("same bytes in two uploads");
    const first = await uploadOk(server.url, a, conversationId, shared);
    const second = await uploadOk(server.url, a, conversationId, shared);
    const image = await uploadOk(server.url, a, conversationId, await pngImage(33, 33));
    const beforeSend = filesUnder(uploads).length;
    const one = await send(a, { body: "one", attachment_ids: [first.id, image.id] });
    const two = await send(a, { body: "two", attachment_ids: [second.id] });

    assert.equal((await api.delete(`${API}/messages/${one.body.id}`, as(a))).status, 200);
    const tombstone = (await history(a)).find((m) => m.id === one.body.id);
    assert.equal(tombstone?.deleted, true);
    assert.equal(tombstone?.attachments, undefined);
    for (const path of [`/attachments/${first.id}`, `/attachments/${image.id}/thumbnail`]) {
      assert.equal((await download(server.url, a, path)).status, 404, path);
    }
    // The image and its thumbnail go; the bytes the other message still uses stay.
    const expected = beforeSend - 2;
    for (let i = 0; i < 500 && filesUnder(uploads).length !== expected; i++) await sleep(20);
    assert.equal(filesUnder(uploads).length, expected);
    const kept = await download(server.url, b, `/attachments/${second.id}`);
    assert.deepEqual(kept.bytes, shared);

    await api.delete(`${API}/messages/${two.body.id}`, as(a));
    for (let i = 0; i < 500 && filesUnder(uploads).length !== expected - 1; i++) await sleep(20);
    assert.equal(filesUnder(uploads).length, expected - 1);
  });

  it("in an encrypted conversation: stored opaque, carried by an MLS message, deleted with it", async () => {
    const uploads = join(server.dir, "uploads", "blobs");
    const [aApi, bApi] = [a, b].map((u) => new ApiClient({ baseUrl: server.url, token: u.token }));
    const aDevice = await setUpDevice(aApi as ApiClient, a.id, "laptop");
    await setUpDevice(bApi as ApiClient, b.id, "tablet");
    const { conversation, group } = await startEncrypted(aApi as ApiClient, aDevice, {
      type: "group",
      title: "sealed",
      member_ids: [b.id],
    });
    // Bytes that say PNG, as ciphertext may by chance: neither sniffed, decoded nor previewed.
    const png = await pngImage(61, 37);
    const up = await uploadOk(server.url, a, conversation.id, png, { name: "holiday.png" });
    const opaque = {
      name: "encrypted",
      size: png.length,
      content_type: "application/octet-stream",
    };
    assert.deepEqual(up, { id: up.id, ...opaque });
    const c = await createUser(server.url);
    assert.equal((await download(server.url, c, `/attachments/${up.id}`)).status, 404);
    const intruder = await upload(server.url, c, conversation.id, Buffer.from("x"));
    assert.equal(intruder.status, 404);

    // A change to the group carries no files; a message of words does.
    const sealed = { body: b64(await group.encrypt(png)), mls: {}, attachment_ids: [up.id] };
    const phone = await setUpDevice(bApi as ApiClient, b.id, "phone");
    const change = await group.add([phone.held[1]?.encoded as Uint8Array]);
    group.dropPending();
    const commit = { body: b64(change.commit), mls: {}, attachment_ids: [up.id] };
    await assert.rejects(
      aApi!.sendMessage(conversation.id, commit),
      refusal("invalid_request", 400),
    );
    const beforeSend = filesUnder(uploads).length;
    const sent = await aApi!.sendMessage(conversation.id, sealed);
    assert.deepEqual(sent.attachments, [up]);
    const got = await download(server.url, b, `/attachments/${up.id}`);
    assert.equal(got.status, 200);
    assert.deepEqual(got.bytes, png);
    assert.equal(got.headers.get("content-type"), "application/octet-stream");
    assert.equal(got.headers.get("x-chat-encrypted"), "true", "said to be ciphertext");
    assert.equal(
      got.headers.get("content-disposition")?.startsWith('attachment; filename="encrypted"'),
      true,
    );
    assert.equal((await download(server.url, b, `/attachments/${up.id}/thumbnail`)).status, 404);

    await aApi!.deleteMessage(sent.id);
    assert.equal((await download(server.url, b, `/attachments/${up.id}`)).status, 404);
    for (let i = 0; i < 500 && filesUnder(uploads).length !== beforeSend - 1; i++) await sleep(20);
    assert.equal(filesUnder(uploads).length, beforeSend - 1);
  });
});
