/**
 * The message shape that leaves the server (a row's view is made in
 * protocol/present-message.ts, which the storage writer shares). Stored messages are
 * shown through presentMessages, so every endpoint that lists them (history, search, one
 * message) shows the same fields.
 */

import type { MessageView } from "@private-chat/protocol/chat";
import { presentMessage } from "@private-chat/protocol/present-message";
import { attachmentsByMessage } from "../attachments/link.js";
import { withAttachments } from "../attachments/present.js";
import type { MessageRow } from "../storage/messages.js";
import type { Repositories } from "../storage/store.js";

export { presentMessage, presentReactions } from "@private-chat/protocol/present-message";

/**
 * Stored messages as clients see them, reactions, files and thread summaries included
 * (one query each).
 */
export async function presentMessages(
  repos: Repositories,
  rows: readonly MessageRow[],
): Promise<MessageView[]> {
  const ids = rows.map((row) => row.id);
  const reactions = await repos.messages.reactionsOf(ids);
  const files = await attachmentsByMessage(repos, ids);
  // Only top-level messages can be roots.
  const threads = await repos.threads.summariesOf(
    rows.filter((row) => !row.thread_id).map((row) => row.id),
  );
  return rows.map((row) => {
    const view = withAttachments(presentMessage(row, reactions.get(row.id)), files);
    const thread = threads.get(row.id);
    if (thread) view.thread = thread;
    return view;
  });
}

/** A message changed one at a time (edited, deleted) keeps its thread's summary. */
export async function withThread(repos: Repositories, view: MessageView): Promise<MessageView> {
  if (view.thread_id) return view;
  const thread = (await repos.threads.summariesOf([view.id])).get(view.id);
  return thread ? { ...view, thread } : view;
}
