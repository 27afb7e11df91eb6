/**
 * The baseline: a minimal raw WebSocket relay with the chat server's frame shapes and no
 * authentication, storage or validation beyond JSON.parse. A socket names its user and
 * conversations in the URL (`/socket?user=U&rooms=C1,C2`) and gets a `ready` frame; a
 * `message.send` is answered with an `ack` to the sender and one `message.new`,
 * serialised once, to every other socket in the conversation.
 *
 * Run alone: `node --import tsx bench/relay.ts [--port N]`. It prints one JSON line with
 * its URL, then serves until SIGTERM or SIGINT.
 */
import { randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { parseArgs } from "node:util";
import { type WebSocket, WebSocketServer } from "ws";

interface Member {
  ws: WebSocket;
  user: string;
}

interface Room {
  members: Set<Member>;
  seq: number;
}

interface SendFrame {
  type?: unknown;
  id?: unknown;
  conversation_id?: unknown;
  body?: unknown;
  client_id?: unknown;
  reply_to?: unknown;
}

const rooms = new Map<string, Room>();
let cursor = 0;

function roomOf(id: string): Room {
  let room = rooms.get(id);
  if (!room) {
    room = { members: new Set(), seq: 0 };
    rooms.set(id, room);
  }
  return room;
}

function relayMessage(from: Member, frame: SendFrame): void {
  const conversationId = String(frame.conversation_id);
  const room = rooms.get(conversationId);
  if (!room?.members.has(from)) {
    from.ws.send(
      JSON.stringify({
        type: "error",
        id: frame.id,
        code: "not_found",
        message: "no such conversation",
      }),
    );
    return;
  }
  room.seq += 1;
  cursor += 1;
  const message = {
    id: randomUUID(),
    conversation_id: conversationId,
    seq: room.seq,
    sender_id: from.user,
    body: String(frame.body),
    client_id: typeof frame.client_id === "string" ? frame.client_id : null,
    created_at: Date.now(),
  };
  from.ws.send(JSON.stringify({ type: "ack", id: frame.id, message, cursor }));
  const event = JSON.stringify({
    type: "message.new",
    conversation_id: conversationId,
    message,
    cursor,
  });
  for (const member of room.members) if (member !== from) member.ws.send(event);
}

function onFrame(member: Member, text: string): void {
  let frame: SendFrame;
  try {
    frame = JSON.parse(text) as SendFrame;
  } catch {
    member.ws.send(JSON.stringify({ type: "error", code: "invalid_json", message: "not JSON" }));
    return;
  }
  if (frame.type === "message.send") relayMessage(member, frame);
  else if (frame.type === "ping") member.ws.send(JSON.stringify({ type: "pong", id: frame.id }));
}

function accept(ws: WebSocket, request: http.IncomingMessage): void {
  const url = new URL(request.url ?? "/", "http://relay");
  const member: Member = { ws, user: url.searchParams.get("user") ?? randomUUID() };
  const joined = (url.searchParams.get("rooms") ?? "").split(",").filter((r) => r !== "");
  for (const id of joined) roomOf(id).members.add(member);
  ws.on("message", (data, isBinary) => {
    if (!isBinary) onFrame(member, data.toString());
  });
  ws.on("close", () => {
    for (const id of joined) rooms.get(id)?.members.delete(member);
  });
  ws.on("error", () => ws.terminate());
  const user = {
    id: member.user,
    username: member.user,
    display_name: member.user,
    is_admin: false,
    created_at: 0,
  };
  ws.send(JSON.stringify({ type: "ready", user, cursor, session_id: "relay" }));
}

function main(): void {
  const { values } = parseArgs({ options: { port: { type: "string", default: "0" } } });
  const server = http.createServer((request, response) => {
    response.writeHead(request.url === "/health" ? 200 : 404, {
      "content-type": "application/json",
    });
    response.end('{"status":"ok"}');
  });
  const wss = new WebSocketServer({
    server,
    path: "/socket",
    perMessageDeflate: false,
    maxPayload: 64 * 1024,
  });
  wss.on("connection", accept);
  server.listen(Number(values.port), "127.0.0.1", () => {
    const { port } = server.address() as AddressInfo;
    process.stdout.write(
      `${JSON.stringify({ url: `http://127.0.0.1:${port}`, msg: "relay listening" })}\n`,
    );
  });
  const stop = () => {
    for (const client of wss.clients) client.terminate();
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

main();
