/**
 * devices share-history | receive-history: history shared between this person's own
 * devices (docs/E2EE.md, "Sharing from a device"). `share-history <device>` on a device
 * that holds the history leaves it, sealed, for the other device; `receive-history` on
 * that device takes what waits for it, so that `tail` shows the messages from before it
 * joined.
 */
import type { ApiClient, DeviceView } from "@private-chat/sdk";
import type { Values } from "../args.js";
import type { Credentials } from "../credentials.js";
import { EXIT_OK, usageError } from "../errors.js";
import { receiveHere, shareFromHere } from "../history-share.js";
import type { Io } from "../io.js";
import { resolveConversation } from "../resolve.js";
import { safeInline, safeJson } from "../sanitize.js";

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** The `--conversation` values, each naming an encrypted conversation as `tail` does. */
async function chosenConversations(
  api: ApiClient,
  userId: string,
  given: Values[string],
): Promise<string[] | undefined> {
  const names = Array.isArray(given) ? given : typeof given === "string" ? [given] : [];
  if (names.length === 0) return undefined;
  const conversations = await api.conversations();
  return names.map((name) => resolveConversation(conversations, name, userId, true).id);
}

export async function shareHistoryCommand(
  values: Values,
  words: string[],
  io: Io,
  context: {
    api: ApiClient;
    credentials: Credentials;
    findDevice: (id: string) => Promise<DeviceView>;
  },
): Promise<number> {
  const [id, extra] = words;
  if (!id || extra !== undefined)
    throw usageError("devices share-history: give one <device-id> [--conversation <c> ...]");
  const { api, credentials } = context;
  const target = await context.findDevice(id);
  const chosen = await chosenConversations(api, credentials.user_id, values.conversation);
  const shared = await shareFromHere(api, credentials.user_id, target.id, chosen);
  if (values.json) io.out(safeJson({ device_id: target.id, ...shared }));
  else
    io.err(
      io.errStyle.dim(
        shared.shares === 0
          ? "this device holds no messages of those conversations to share"
          : `shared ${plural(shared.messages, "message")} of ${plural(shared.conversations, "conversation")} with ${safeInline(target.name)}; there, chat-client devices receive-history takes them`,
      ),
    );
  return EXIT_OK;
}

export async function receiveHistoryCommand(
  values: Values,
  api: ApiClient,
  credentials: Credentials,
  io: Io,
): Promise<number> {
  const received = await receiveHere(api, credentials.user_id, io);
  if (values.json) {
    const shares = received.shares.map(({ archive: _archive, ...share }) => share);
    io.out(safeJson({ ...received, shares }));
    return EXIT_OK;
  }
  for (const share of received.shares)
    if (share.refused !== undefined)
      io.err(
        io.errStyle.bold(
          `refused and deleted a share from ${share.from_device_id}: ${safeInline(share.refused)}`,
        ),
      );
  for (const [id, why] of Object.entries(received.skipped))
    io.err(io.errStyle.dim(`skipped conversation ${id}: ${safeInline(why)}`));
  const taken = received.shares.filter((s) => s.refused === undefined).length;
  io.err(
    io.errStyle.dim(
      received.shares.length === 0
        ? "no history waits for this device"
        : `took ${plural(taken, "history share")}: filled in ${plural(received.messages, "message")} of ${plural(received.conversations, "conversation")}`,
    ),
  );
  return EXIT_OK;
}
