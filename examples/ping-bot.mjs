#!/usr/bin/env node
// A bot that answers "!ping" with "pong" in every conversation it is a member of.
//
//   CHAT_SERVER=https://chat.example.com CHAT_TOKEN=pct_… node examples/ping-bot.mjs
//
// CHAT_TOKEN is a bot's token (POST /api/v1/bots, or `chat-client bot create`) with the
// messages:read and messages:write scopes. Add the bot to a conversation like anyone.
import { ChatSocket } from "@private-chat/sdk";
import WebSocket from "ws";

const server = process.env.CHAT_SERVER;
const token = process.env.CHAT_TOKEN;
if (!server || !token) {
  console.error("set CHAT_SERVER (the server's URL) and CHAT_TOKEN (a bot's pct_ token)");
  process.exit(64);
}

const socket = new ChatSocket({ baseUrl: server, token: () => token, WebSocket });
let me;

socket.on("ready", ({ user }) => {
  me = user;
  console.log(`ready as ${user.username}`);
});

// Every event arrives once, in order; after a reconnect the socket resumes where it was.
socket.on("event", (event) => {
  if (event.type !== "message.new") return;
  const { message } = event;
  if (message.sender_id === me?.id || message.body?.trim() !== "!ping") return;
  socket
    .send(message.conversation_id, "pong", { replyTo: message.id })
    .then(() => console.log(`answered in ${message.conversation_id}`))
    .catch((err) => console.error(`could not answer: ${err.message}`));
});

socket.on("state", ({ state, reason }) => {
  if (state !== "unauthorized") return;
  console.error(`the server refused the token: ${reason}`);
  process.exit(1);
});

for (const signal of ["SIGINT", "SIGTERM"])
  process.on(signal, () => {
    socket.close();
    process.exit(0);
  });

socket.connect();
