/**
 * An encrypted conversation's folded messages (the SDK's foldMessages) as the rest of the
 * client shows plain ones: a MessageView with its plaintext as `body`, its latest edit's
 * words and time as a plain edit has them, its reactions, and its reply and thread
 * pointing at message ids. The formatting of plain messages (format.ts) then serves both.
 */
import type { ApiClient, MessageView } from "@private-chat/sdk";
import { opened, type ShownMessage, UNKNOWN_CONTENT_TEXT } from "@private-chat/sdk/mls";

/** The most messages one history request returns. */
const PAGE = 100;

/** The message at `seq` in the conversation, deleted ones too; undefined when none. */
export async function messageAt(
  api: ApiClient,
  conversationId: string,
  seq: number,
): Promise<MessageView | undefined> {
  const [message] = await api.history(conversationId, { after: seq - 1, limit: 1 });
  return message?.seq === seq ? message : undefined;
}

/**
 * The messages at `seqs` (deleted ones too), reading each run of consecutive seqs as one
 * history page rather than a request per message.
 */
export async function messagesAt(
  api: ApiClient,
  conversationId: string,
  seqs: readonly number[],
): Promise<MessageView[]> {
  const wanted = [...new Set(seqs)].sort((a, b) => a - b);
  const found: MessageView[] = [];
  for (let i = 0; i < wanted.length; ) {
    const first = wanted[i] as number;
    let run = 1;
    while (run < PAGE && wanted[i + run] === first + run) run++;
    const page = await api.history(conversationId, { after: first - 1, limit: run });
    found.push(...page.filter((m) => m.seq < first + run));
    i += run;
  }
  return found;
}

/**
 * The folded messages as views. A reply or thread reply pointing outside `shown` has its
 * target's id looked up, one request each.
 */
export async function viewsOf(
  api: ApiClient,
  conversationId: string,
  shown: ShownMessage[],
): Promise<MessageView[]> {
  const ids = new Map(shown.map((s) => [s.message.seq, s.message.id]));
  for (const { shown: content } of shown) {
    if (content.kind !== "text") continue;
    for (const seq of [content.reply_to, content.thread_root]) {
      if (seq === undefined || ids.has(seq)) continue;
      const target = await messageAt(api, conversationId, seq);
      if (target) ids.set(seq, target.id);
    }
  }
  return shown.map((s) => viewOf(s, ids));
}

function viewOf({ message, shown }: ShownMessage, ids: Map<number, string>): MessageView {
  switch (shown.kind) {
    case "deleted":
      return message;
    case "unread":
      return opened(
        message,
        `[cannot be read on this device: ${shown.reason ?? "sent before this device joined"}]`,
      );
    case "unknown":
      return opened(message, UNKNOWN_CONTENT_TEXT);
    case "text": {
      const replyTo = shown.reply_to === undefined ? undefined : ids.get(shown.reply_to);
      const root = shown.thread_root === undefined ? undefined : ids.get(shown.thread_root);
      // The files as the message names them inside its encryption (the server's view of
      // each upload is a neutral name and the ciphertext's size), shown as a plain
      // message's: `download` opens them with the key the message holds.
      const { attachments: _sealed, ...view } = opened(message, shown.body);
      const files = (shown.files ?? []).map((f) => ({
        id: f.attachment_id,
        name: f.name,
        size: f.size,
        content_type: f.type,
      }));
      return {
        ...view,
        ...(files.length > 0 ? { attachments: files } : {}),
        ...(shown.edited_at !== undefined ? { edited_at: shown.edited_at } : {}),
        ...(shown.reactions.length > 0 ? { reactions: shown.reactions } : {}),
        ...(replyTo ? { reply_to: replyTo } : {}),
        // A reply in its thread alone, as a plain one is: the server cannot tell (the
        // thread is named inside the ciphertext), so the feed leaves it out of the timeline.
        ...(root ? { thread_id: root } : {}),
        ...(shown.thread ? { thread: shown.thread } : {}),
      };
    }
  }
}
