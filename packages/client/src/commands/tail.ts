/**
 * tail: recent history of one conversation (or of one thread), then its live events
 * until Ctrl-C. Network
 * drops are the SDK's business (it reconnects and replays what was missed); this command
 * only reports connection changes on stderr and stops with exit 2 if the session ends.
 */
import { ApiError, EncryptedChatError } from "@private-chat/sdk/errors";
import type { Values } from "../args.js";
import { namedConversation } from "../conversation-arg.js";
import { CliError, EXIT_OK, toCliError, usageError } from "../errors.js";
import { CATCH_UP_HISTORY, ConversationFeed } from "../feed.js";
import type { Io } from "../io.js";
import { NameBook } from "../names.js";
import { blockedSet } from "../people.js";
import { describeState, socketFor, waitForOpen, watchSession } from "../session.js";
import { threadMessageOf, threadRootOf } from "../thread-arg.js";

const DEFAULT_HISTORY = 20;
const MAX_HISTORY = 10_000;
const CONNECT_TIMEOUT_MS = 30_000;

function historyCount(values: Values): number {
  const raw = values.history;
  if (typeof raw !== "string") return DEFAULT_HISTORY;
  const count = Number(raw);
  if (!/^\d+$/.test(raw) || count > MAX_HISTORY) {
    throw usageError(`--history must be a whole number from 0 to ${MAX_HISTORY}`);
  }
  return count;
}

export async function tail(values: Values, positionals: string[], io: Io): Promise<number> {
  const count = historyCount(values);
  const { credentials, api, conversation } = await namedConversation(
    positionals[0],
    values.encrypted === true,
  );
  let settle: (result: number | CliError) => void = () => {};
  const finished = new Promise<number | CliError>((resolve) => {
    settle = resolve;
  });
  // Loaded only for an encrypted conversation: end-to-end encryption is most of the client's code.
  const e2ee = conversation.encrypted
    ? {
        chat: await (await import("../encrypted-chat.js")).encryptedChat(
          api,
          credentials.user_id,
          conversation,
          io,
        ),
        keeper: new (await import("../history-backup.js")).BackupKeeper(
          api,
          credentials.user_id,
          (line) => io.err(io.errStyle.dim(line)),
        ),
      }
    : undefined;
  const thread =
    values.thread === undefined
      ? undefined
      : e2ee
        ? await e2ee.chat.threadRootOf(await threadMessageOf(api, conversation, values.thread))
        : await threadRootOf(api, conversation, values.thread);
  const feed = new ConversationFeed(conversation, api, new NameBook(api), {
    ...(thread ? { thread } : {}),
    json: values.json === true,
    style: io.outStyle,
    write: io.out,
    blocked: await blockedSet(api),
    // A change that does not apply stops the command: nothing after it can be trusted.
    ...(e2ee
      ? {
          reveal: {
            messages: (messages) =>
              e2ee.chat
                .reveal(messages)
                .catch(stopWith)
                .finally(() => e2ee.keeper.changed(conversation.id)),
            event: (event) =>
              e2ee.chat
                .revealEvent(event)
                .catch(stopWith)
                .finally(() => e2ee.keeper.changed(conversation.id)),
            thread: (rootId, count) =>
              e2ee.chat
                .thread(rootId, count)
                .catch(stopWith)
                .finally(() => e2ee.keeper.changed(conversation.id)),
          },
        }
      : {}),
  });
  function stopWith(error: unknown): never {
    // Said as any command says it: the SDK's code (`refused`) and its reason, no class name.
    const said =
      error instanceof CliError || error instanceof ApiError || error instanceof EncryptedChatError
        ? toCliError(error, true)
        : new CliError("refused", error instanceof Error ? error.message : String(error));
    settle(said);
    throw error;
  }

  const socket = socketFor(credentials);
  let everOpen = false;
  socket.on("state", ({ state, reason }) => {
    if (state === "closed") return; // only ever our own doing
    // The first connection is not news; every change after it is.
    if (state === "open" && !everOpen) {
      everOpen = true;
      return;
    }
    if (everOpen || state === "reconnecting") io.err(io.errStyle.dim(describeState(state, reason)));
  });
  socket.on("expired", () => {
    io.err(io.errStyle.dim("some events were missed while away: showing the messages since"));
    void feed.catchUp(Math.max(count, CATCH_UP_HISTORY));
  });
  socket.on("event", (event) => {
    if (event.type === "device.key_packages_low") {
      void import("../device-file.js").then(({ answerLowKeyPackages }) =>
        answerLowKeyPackages(api, credentials.user_id, event, (line) =>
          io.err(io.errStyle.dim(line)),
        ),
      );
      return;
    }
    feed.accept(event);
    if (
      event.type === "member.left" &&
      event.conversation_id === conversation.id &&
      event.user_id === credentials.user_id
    ) {
      void feed.idle().then(() => settle(EXIT_OK));
    }
  });
  const stopWatching = watchSession(socket, api, (error) => settle(error));
  const stop = () => settle(EXIT_OK);
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  try {
    socket.connect();
    const opening = waitForOpen(socket, CONNECT_TIMEOUT_MS).then(() => undefined);
    // Ctrl-C or a lost session while still connecting ends the command at once.
    const early = await Promise.race([opening, finished]);
    let result = early;
    if (result === undefined) {
      await feed.start(count);
      result = await finished;
    }
    if (typeof result !== "number") throw result;
    return result;
  } finally {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
    stopWatching();
    socket.close();
    await e2ee?.keeper.flush();
  }
}
