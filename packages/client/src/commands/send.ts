/**
 * send: one message through the socket, so it is stored exactly once even if the
 * connection drops mid-send (the SDK re-sends it with the same client_id), and printed
 * as the server stored it once the server has committed it. In an end-to-end encrypted
 * conversation it is encrypted on this device, its thread's root and its files' keys
 * inside the encrypted content (each file sealed and uploaded first: encrypted-files.ts),
 * and sent over REST with its client_id (encrypted-chat.ts), and printed as written.
 */
import { openAsBlob } from "node:fs";
import { basename } from "node:path";
import { randomId } from "@private-chat/sdk";
import type { Values } from "../args.js";
import { requireCredentials } from "../current-user.js";
import { conversationToSend } from "../direct-chat.js";
import { CliError, EXIT_OK, usageError } from "../errors.js";
import { formatMessage } from "../format.js";
import type { Io } from "../io.js";
import { readAllStdin } from "../prompt.js";
import { safeJson } from "../sanitize.js";
import { apiFor, socketFor, watchSession } from "../session.js";
import { threadMessageOf, threadRootOf } from "../thread-arg.js";

const SEND_TIMEOUT_MS = 30_000;

async function messageText(words: string[]): Promise<string> {
  if (words.length === 1 && words[0] === "-") {
    return (await readAllStdin()).replace(/(\r?\n)+$/, "");
  }
  return words.join(" ");
}

/** The `--attach` paths. */
function attachPaths(paths: Values[string]): string[] {
  return Array.isArray(paths) ? paths : typeof paths === "string" ? [paths] : [];
}

/** Uploads each `--attach` file (streamed from disk) and returns their ids. */
async function uploadFiles(
  api: ReturnType<typeof apiFor>,
  conversationId: string,
  paths: Values[string],
): Promise<string[]> {
  const ids: string[] = [];
  for (const path of attachPaths(paths)) {
    let file: Blob;
    try {
      file = await openAsBlob(path);
    } catch (err) {
      throw new CliError("invalid_request", `cannot read ${path}: ${(err as Error).message}`);
    }
    ids.push((await api.uploadAttachment(conversationId, file, basename(path))).id);
  }
  return ids;
}

export async function send(values: Values, positionals: string[], io: Io): Promise<number> {
  const [query = "", ...words] = positionals;
  const credentials = await requireCredentials();
  const api = apiFor(credentials);
  const text = await messageText(words);
  if (text.trim() === "") throw new CliError("body_empty", "the message is empty");
  const conversation = await conversationToSend(
    api,
    query,
    credentials.user_id,
    io,
    values.encrypted === true,
  );
  if (values["also-to-conversation"] && values.thread === undefined)
    throw usageError("--also-to-conversation goes with --thread");
  if (conversation.encrypted) {
    // Loaded only for an encrypted conversation: end-to-end encryption is most of the client's code.
    const { encryptedChat } = await import("../encrypted-chat.js");
    const { backUp } = await import("../history-backup.js");
    const chat = await encryptedChat(api, credentials.user_id, conversation, io);
    // The thread's root travels inside the encrypted content; every reply shows in the
    // timeline too, so --also-to-conversation changes nothing here.
    const named =
      values.thread === undefined
        ? undefined
        : await threadMessageOf(api, conversation, values.thread);
    const opened = named && (await chat.contentOf(named))?.content;
    const root = opened?.kind === "text" ? (opened.thread_root ?? named?.seq) : named?.seq;
    // Each file sealed here with its own key; the keys travel inside the message.
    const paths = attachPaths(values.attach);
    const files =
      paths.length > 0
        ? await (await import("../encrypted-files.js")).sealedUploads(api, conversation.id, paths)
        : [];
    const sent = await chat.sendContent(
      {
        kind: "text",
        body: text,
        ...(root !== undefined ? { thread_root: root } : {}),
        ...(files.length > 0 ? { files } : {}),
      },
      randomId(),
    );
    const [message = sent] = await chat.reveal([sent]);
    await backUp(api, credentials.user_id, [conversation.id], (line) => io.err(line));
    if (values.json) io.out(safeJson(message));
    else io.out(formatMessage(message, credentials.username, io.outStyle));
    return EXIT_OK;
  }
  const threadId =
    values.thread === undefined ? undefined : await threadRootOf(api, conversation, values.thread);
  const attachmentIds = await uploadFiles(api, conversation.id, values.attach);

  const socket = socketFor(credentials);
  const clientId = randomId();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopWatching = () => {};
  try {
    const message = await new Promise<Awaited<ReturnType<typeof socket.send>>>(
      (resolve, reject) => {
        timer = setTimeout(() => {
          reject(
            new CliError(
              "network_error",
              `no acknowledgement within ${SEND_TIMEOUT_MS / 1000}s; the message may not have been stored`,
            ),
          );
        }, SEND_TIMEOUT_MS);
        stopWatching = watchSession(socket, api, reject);
        socket
          .send(conversation.id, text, {
            clientId,
            attachmentIds,
            ...(threadId ? { threadId } : {}),
            ...(values["also-to-conversation"] ? { alsoToConversation: true } : {}),
          })
          .then(resolve, reject);
        socket.connect();
      },
    );
    if (values.json) io.out(safeJson(message));
    else io.out(formatMessage(message, credentials.username, io.outStyle));
    return EXIT_OK;
  } finally {
    clearTimeout(timer);
    stopWatching();
    socket.cancel(clientId);
    socket.close();
  }
}
