/**
 * Interactive mode (no arguments, on a terminal): a conversation list, /open to follow
 * one, and plain lines sent to it. One socket serves the whole session; messages in
 * conversations that are not open show up as one-line notices.
 */
import {
  type ConversationView,
  isHiddenMessage,
  type MessageView,
  type StoredEvent,
} from "@private-chat/sdk";
import { requireCredentials } from "./current-user.js";
import { answerLowKeyPackages } from "./device-file.js";
import { type CliError, EXIT_OK, toCliError, usageError } from "./errors.js";
import { CATCH_UP_HISTORY, ConversationFeed } from "./feed.js";
import { formatConversation, formatMessage } from "./format.js";
import { EncryptedChats, openQuery } from "./interactive-encrypted.js";
import type { Io } from "./io.js";
import { NameBook } from "./names.js";
import { blockedSet, findBlocked, findUser, requestsOf } from "./people.js";
import { completerFor, REPL_HELP } from "./repl-commands.js";
import { conversationName, resolveConversation, shortId } from "./resolve.js";
import { safeInline } from "./sanitize.js";
import { Screen } from "./screen.js";
import { apiFor, describeState, socketFor, watchSession } from "./session.js";

const HISTORY = 20;
const SLOW_SEND_MS = 3000;

export async function interactive(io: Io): Promise<number> {
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    throw usageError("no command given, and interactive mode needs a terminal");
  }
  const credentials = await requireCredentials();
  const me = credentials.user_id;
  const api = apiFor(credentials);
  const names = new NameBook(api);
  const style = io.outStyle;
  let list = await api.conversations();
  const blocked = await blockedSet(api);
  let feed: ConversationFeed | undefined;
  let readSeq = 0;

  const screen = new Screen(
    process.stdin,
    process.stdout,
    completerFor(() => list, me),
  );
  const socket = socketFor(credentials);
  // What the encrypted conversations say (a device registered) goes where everything else does.
  const encrypted = new EncryptedChats(api, me, {
    ...io,
    out: (line) => screen.print(line),
    err: (line) => screen.print(line),
  });

  let done = false;
  let finish: (result: number | CliError) => void = () => {};
  const finished = new Promise<number | CliError>((resolve) => {
    finish = (result) => {
      done = true;
      resolve(result);
    };
  });

  const closeFeed = () => {
    feed = undefined;
    screen.setPrompt("> ");
  };

  /** A change to the open encrypted conversation's group did not apply: nothing after it is trusted. */
  const refused = (error: CliError) => {
    closeFeed();
    screen.print(style.error(`${safeInline(error.code)}: ${safeInline(error.message)}`));
  };

  const nameOf = (id: string) => {
    const c = list.find((x) => x.id === id);
    return c ? safeInline(conversationName(c, me)) : shortId(id);
  };

  const showList = () => {
    for (const c of list) names.addConversation(c);
    if (list.length === 0) screen.print(style.dim("no conversations yet"));
    list.forEach((c, i) => {
      screen.print(
        `${String(i + 1).padStart(3)}  ${formatConversation(c, me, names, style, blocked)}`,
      );
    });
  };

  const showRequests = () => {
    const asking = requestsOf(list);
    if (asking.length === 0) screen.print(style.dim("no message requests"));
    for (const c of asking) {
      names.addConversation(c);
      const n = list.indexOf(c) + 1;
      screen.print(`${String(n).padStart(3)}  ${formatConversation(c, me, names, style, blocked)}`);
    }
  };

  /** A conversation by list number or name; the open one when none is given. */
  const pick = async (query: string): Promise<ConversationView | undefined> => {
    if (query === "") return feed?.conversation;
    const number = /^\d{1,3}$/.test(query) ? Number(query) : 0;
    const numbered = number > 0 ? list[number - 1] : undefined;
    if (numbered) return numbered;
    list = await api.conversations();
    return resolveConversation(list, query, me);
  };

  const answer = async (action: "accept" | "decline", query: string) => {
    const target = await pick(query);
    if (!target) {
      screen.print(`usage: /${action} <name|N> (or open the request first)`);
      return;
    }
    const result =
      action === "accept"
        ? await api.acceptRequest(target.id)
        : await api.declineRequest(target.id);
    list = list.map((c) => (c.id === result.id ? result : c));
    const name = safeInline(conversationName(result, me));
    screen.print(action === "accept" ? `accepted ${name}` : `declined ${name}`);
    if (action === "decline" && feed?.conversation.id === result.id) closeFeed();
  };

  const blockOrUnblock = async (action: "block" | "unblock", query: string) => {
    if (query === "") {
      screen.print(`usage: /${action} @user`);
      return;
    }
    if (action === "block") {
      const user = await findUser(api, query);
      await api.block(user.id);
      blocked.add(user.id);
      screen.print(`blocked @${safeInline(user.username)}`);
    } else {
      const found = findBlocked(await api.blocks(), query);
      await api.unblock(found.user.id);
      blocked.delete(found.user.id);
      screen.print(`unblocked @${safeInline(found.user.username)}`);
    }
  };

  const showBlocked = async () => {
    const blocks = await api.blocks();
    if (blocks.length === 0) screen.print(style.dim("you have not blocked anyone"));
    for (const b of blocks)
      screen.print(`@${safeInline(b.user.username)}  ${safeInline(b.user.display_name)}`);
  };

  // One read frame per burst (opening a conversation shows 20 messages at once), since
  // socket frames are rate-limited.
  let readTimer: ReturnType<typeof setTimeout> | undefined;
  const markRead = (message: MessageView) => {
    if (message.sender_id === me || message.seq <= readSeq) return;
    readSeq = message.seq;
    clearTimeout(readTimer);
    readTimer = setTimeout(() => socket.read(message.conversation_id, message.seq), 300);
  };

  const notify = async (event: StoredEvent) => {
    if (
      event.type === "conversation.created" ||
      event.type === "member.joined" ||
      event.type === "request.accepted"
    ) {
      list = await api.conversations().catch(() => list);
    }
    if (event.type === "conversation.created" && event.created_by !== me) {
      const asking = list.find((c) => c.id === event.conversation_id);
      if (asking?.request === "pending")
        screen.print(
          style.bold(
            `message request from ${nameOf(asking.id)}: /open it, then /accept or /decline`,
          ),
        );
    }
    if (event.type === "request.accepted" && event.user_id !== me) {
      screen.print(style.dim(`${nameOf(event.conversation_id)} accepted your message request`));
    }
    if (event.type !== "message.new" || event.message.sender_id === me) return;
    if (!list.some((c) => c.id === event.conversation_id)) {
      list = await api.conversations().catch(() => list);
    }
    const where = list.find((c) => c.id === event.conversation_id);
    if (where && isHiddenMessage(event.message, blocked, where.type)) return;
    const message = where?.encrypted ? await encrypted.notice(where, event.message) : event.message;
    if (!message) return;
    const sender = await names.name(message.sender_id);
    screen.print(
      `${style.bold(`[${nameOf(event.conversation_id)}]`)} ${formatMessage(message, sender, style)}`,
    );
  };

  const open = async (argument: string) => {
    const { query, encrypted: named } = openQuery(argument);
    const number = /^\d{1,3}$/.test(query) ? Number(query) : 0;
    let target: ConversationView | undefined = number > 0 ? list[number - 1] : undefined;
    if (!target) {
      list = await api.conversations();
      target = resolveConversation(list, query, me, named);
    }
    const title = safeInline(conversationName(target, me));
    // Registers this installation as a device the first time, as `tail` does.
    const chat = target.encrypted ? await encrypted.chat(target) : undefined;
    readSeq = 0;
    feed = new ConversationFeed(target, api, names, {
      json: false,
      style,
      write: (line) => screen.print(line),
      onShown: markRead,
      blocked,
      ...(chat ? { reveal: encrypted.revealer(chat, () => feed === opened, refused) } : {}),
    });
    const members = target.members.length;
    const kind = target.encrypted ? `${target.type}, end-to-end encrypted` : target.type;
    screen.print(
      style.dim(`── ${title} · ${kind} · ${members} member${members === 1 ? "" : "s"} ──`),
    );
    if (target.request === "pending" || target.request === "declined")
      screen.print(
        style.bold("a message request: /accept to reply, /decline, or /block the sender"),
      );
    if (target.request === "sent")
      screen.print(style.dim(`waiting for ${title} to accept your message request`));
    screen.setPrompt(`${style.bold(title)}> `);
    const opened: ConversationFeed = feed;
    try {
      await opened.start(HISTORY);
    } catch (err) {
      // A feed that never started would hold its events forever.
      if (feed === opened) closeFeed();
      throw err;
    }
  };

  const sendLine = (text: string) => {
    const current = feed;
    if (!current) {
      screen.print("open a conversation first: /open <name> (/list shows them)");
      return;
    }
    const { conversation } = current;
    // An encrypted line goes over REST, encrypted on this device: one typed offline fails.
    const slow = conversation.encrypted
      ? undefined
      : setTimeout(() => {
          screen.print(
            style.dim(`not delivered yet (${socket.state}); it will go out once connected`),
          );
        }, SLOW_SEND_MS);
    const sending = conversation.encrypted
      ? encrypted.send(conversation, text)
      : socket.send(conversation.id, text);
    sending
      .then((message) => {
        if (feed === current) current.showOwn(message);
        else screen.print(style.dim(`sent to ${nameOf(message.conversation_id)}`));
      })
      .catch((err: unknown) => {
        const error = toCliError(err, true);
        screen.print(
          style.error(`not sent: ${safeInline(error.code)}: ${safeInline(error.message)}`),
        );
      })
      .finally(() => clearTimeout(slow));
  };

  const handle = async (line: string) => {
    const [word = ""] = line.trim().split(/\s+/);
    const argument = line.trim().slice(word.length).trim();
    switch (word) {
      case "/help":
      case "/?":
        for (const help of REPL_HELP) screen.print(help);
        return;
      case "/list":
      case "/ls":
        list = await api.conversations();
        showList();
        return;
      case "/open":
      case "/o":
        if (argument === "") screen.print("usage: /open <name|N>");
        else await open(argument);
        return;
      case "/requests":
        list = await api.conversations();
        showRequests();
        return;
      case "/accept":
      case "/decline":
        await answer(word === "/accept" ? "accept" : "decline", argument);
        return;
      case "/block":
      case "/unblock":
        await blockOrUnblock(word === "/block" ? "block" : "unblock", argument);
        return;
      case "/blocked":
        await showBlocked();
        return;
      case "/close":
        closeFeed();
        return;
      case "/quit":
      case "/exit":
      case "/q":
        finish(EXIT_OK);
        return;
      default:
        if (word.startsWith("/") && !word.startsWith("//")) {
          screen.print(`unknown command ${safeInline(word)}; /help lists them`);
          return;
        }
        sendLine(line.startsWith("//") ? line.slice(1) : line);
    }
  };

  let queue: Promise<void> = Promise.resolve();
  screen.rl.on("line", (line) => {
    const isMessage =
      line.trim() !== "" && feed && (!line.startsWith("/") || line.startsWith("//"));
    if (isMessage) screen.eraseEntered(line);
    if (line.trim() === "") {
      screen.prompt();
      return;
    }
    queue = queue
      .then(() => handle(line))
      .catch((err: unknown) => {
        const error = toCliError(err, true);
        screen.print(style.error(`${safeInline(error.code)}: ${safeInline(error.message)}`));
      })
      .then(() => {
        if (!done) screen.prompt();
      });
  });
  screen.rl.on("SIGINT", () => {
    if (screen.rl.line !== "") {
      screen.rl.write(null, { ctrl: true, name: "u" });
      return;
    }
    finish(EXIT_OK);
  });
  screen.rl.on("close", () => finish(EXIT_OK));

  let everOpen = false;
  socket.on("state", ({ state, reason }) => {
    if (state === "closed") return; // only ever our own doing
    if (state === "open" && !everOpen) {
      everOpen = true;
      return;
    }
    if (everOpen || state === "reconnecting") screen.print(style.dim(describeState(state, reason)));
  });
  socket.on("expired", () => {
    screen.print(style.dim("some events were missed while away: showing the messages since"));
    void api.conversations().then(
      (fresh) => {
        list = fresh;
      },
      () => undefined,
    );
    void feed?.catchUp(CATCH_UP_HISTORY);
  });
  socket.on("event", (event) => {
    if (event.type === "device.key_packages_low") {
      void answerLowKeyPackages(api, me, event, (line) => screen.print(style.dim(line)));
      return;
    }
    if (feed && event.conversation_id === feed.conversation.id) feed.accept(event);
    else void notify(event);
  });
  const stopWatching = watchSession(socket, api, (error) => finish(error));
  socket.connect();

  screen.print(
    `${style.bold("Private Chat")} · ${safeInline(credentials.username)} on ${safeInline(credentials.server)} · /help for commands`,
  );
  showList();
  screen.prompt();
  try {
    const result = await finished;
    if (typeof result !== "number") throw result;
    return result;
  } finally {
    stopWatching();
    socket.close();
    await encrypted.close();
    screen.close();
    process.stdout.write("\n");
  }
}
