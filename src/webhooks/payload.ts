/**
 * A webhook request's payload as a message body. Slack's rules, as tools expect them:
 * with `blocks`, the blocks are the message and `text` is only their notification
 * fallback (used when the blocks show nothing); `attachments` follow below either.
 * `mrkdwn: false` posts `text` as it is. `username`, `icon_url` and `icon_emoji` are
 * ignored: a hook always speaks under the name its members gave it, so that a caller
 * holding the URL cannot pass for someone else.
 */
import type { WebhookPayload } from "@private-chat/protocol/webhooks";
import { AppError } from "../errors.js";
import { mrkdwnToMarkdown } from "./mrkdwn.js";
import { attachmentsToText, blocksToText } from "./slack-blocks.js";

export function payloadToBody(payload: WebhookPayload): string {
  const { text, blocks, attachments } = payload;
  if (text === undefined && blocks === undefined && attachments === undefined)
    throw new AppError(
      "invalid_request",
      "a webhook payload needs `text`, `blocks` or `attachments`",
    );
  const plain = text === undefined ? "" : payload.mrkdwn === false ? text : mrkdwnToMarkdown(text);
  const fromBlocks = blocks ? blocksToText(blocks) : "";
  const main = fromBlocks.trim() !== "" ? fromBlocks : plain;
  const below = attachments ? attachmentsToText(attachments) : "";
  return [main, below].filter((s) => s.trim() !== "").join("\n\n");
}

/**
 * The body of a form-encoded request (`payload=<json>`, as Slack also accepts), or of a
 * JSON one, as the payload object; anything else is a 400 that says what was wrong.
 */
export function parseFormPayload(raw: string): unknown {
  const payload = new URLSearchParams(raw).get("payload");
  if (payload === null)
    throw new AppError("invalid_request", "a form-encoded webhook request needs a `payload` field");
  return parseJsonPayload(payload);
}

export function parseJsonPayload(raw: string): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new AppError("invalid_json", "the webhook payload is not valid JSON");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw new AppError("invalid_request", "the webhook payload must be a JSON object");
  return parsed;
}
