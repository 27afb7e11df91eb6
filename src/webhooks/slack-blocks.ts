/**
 * Slack's Block Kit blocks and legacy attachments, reduced to a message body. A chat
 * message is text, so each block becomes the text it shows: headers bold, sections and
 * their fields as lines, context joined on one line, rich text with its styles. What only
 * makes sense in Slack (buttons, inputs, dividers) is left out. Payloads come from
 * anywhere, so every field is read as unknown and anything unexpected is skipped.
 */
import { mrkdwnToMarkdown } from "./mrkdwn.js";

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** A text object (`{"type":"mrkdwn"|"plain_text","text"}`) or a bare string. */
function textObject(v: unknown): string {
  if (typeof v === "string") return mrkdwnToMarkdown(v);
  if (!isObject(v)) return "";
  const text = str(v.text) ?? "";
  return v.type === "plain_text" ? text : mrkdwnToMarkdown(text);
}

function styled(text: string, style: unknown): string {
  if (text.trim() === "" || !isObject(style)) return text;
  let out = text;
  if (style.code === true) out = `\`${out}\``;
  if (style.strike === true) out = `~~${out}~~`;
  if (style.italic === true) out = `_${out}_`;
  if (style.bold === true) out = `**${out}**`;
  return out;
}

/** One element of a rich_text_section. */
function richElement(el: unknown): string {
  if (!isObject(el)) return "";
  switch (el.type) {
    case "text":
      return styled(str(el.text) ?? "", el.style);
    case "link": {
      const url = str(el.url) ?? "";
      const label = str(el.text);
      return label && label !== url ? `[${label.replace(/[[\]\\]/g, "\\$&")}](${url})` : url;
    }
    case "emoji":
      return `:${str(el.name) ?? ""}:`;
    case "user":
      return `@${str(el.user_id) ?? ""}`;
    case "usergroup":
      return `@${str(el.usergroup_id) ?? ""}`;
    case "channel":
      return `#${str(el.channel_id) ?? ""}`;
    case "broadcast":
      return `@${str(el.range) ?? "here"}`;
    default:
      return str(el.text) ?? "";
  }
}

const inline = (section: unknown) =>
  isObject(section) ? list(section.elements).map(richElement).join("") : "";

function richText(block: Json): string {
  return list(block.elements)
    .map((part) => {
      if (!isObject(part)) return "";
      switch (part.type) {
        case "rich_text_section":
          return inline(part);
        case "rich_text_preformatted":
          return `\`\`\`\n${inline(part)}\n\`\`\``;
        case "rich_text_quote":
          return inline(part)
            .split("\n")
            .map((line) => `> ${line}`)
            .join("\n");
        case "rich_text_list": {
          const ordered = part.style === "ordered";
          return list(part.elements)
            .map((item, i) => `${ordered ? `${i + 1}.` : "-"} ${inline(item)}`)
            .join("\n");
        }
        default:
          return "";
      }
    })
    .filter((s) => s !== "")
    .join("\n");
}

function block(b: unknown): string {
  if (!isObject(b)) return "";
  switch (b.type) {
    case "header": {
      const text = textObject(b.text).trim();
      return text ? `**${text}**` : "";
    }
    case "section": {
      const lines = [textObject(b.text), ...list(b.fields).map(textObject)];
      return lines.filter((s) => s.trim() !== "").join("\n");
    }
    case "context":
      return list(b.elements)
        .map((el) =>
          isObject(el) && el.type === "image" ? (str(el.alt_text) ?? "") : textObject(el),
        )
        .filter((s) => s.trim() !== "")
        .join(" · ");
    case "rich_text":
      return richText(b);
    case "image": {
      const title = isObject(b.title) ? textObject(b.title) : (str(b.alt_text) ?? "");
      const url = str(b.image_url) ?? "";
      return [title, url].filter((s) => s !== "").join(" ");
    }
    case "markdown":
      return str(b.text) ?? "";
    default:
      return "";
  }
}

export function blocksToText(blocks: readonly unknown[]): string {
  return blocks
    .map(block)
    .filter((s) => s.trim() !== "")
    .join("\n\n");
}

/** A legacy attachment: pretext, title (linked), text, fields; its fallback if nothing else. */
function attachment(a: unknown): string {
  if (!isObject(a)) return "";
  const title = str(a.title);
  const link = str(a.title_link);
  const titleLine = title
    ? `**${link ? `[${title.replace(/[[\]\\]/g, "\\$&")}](${link})` : mrkdwnToMarkdown(title)}**`
    : "";
  const fields = list(a.fields).map((f) => {
    if (!isObject(f)) return "";
    const name = str(f.title) ?? "";
    const value = mrkdwnToMarkdown(str(f.value) ?? "");
    return name ? `**${mrkdwnToMarkdown(name)}**: ${value}` : value;
  });
  const parts = [
    mrkdwnToMarkdown(str(a.pretext) ?? ""),
    titleLine,
    mrkdwnToMarkdown(str(a.text) ?? ""),
    ...fields,
    blocksToText(list(a.blocks)),
    mrkdwnToMarkdown(str(a.footer) ?? ""),
  ].filter((s) => s.trim() !== "");
  return parts.length > 0 ? parts.join("\n") : (str(a.fallback) ?? "");
}

export function attachmentsToText(attachments: readonly unknown[]): string {
  return attachments
    .map(attachment)
    .filter((s) => s.trim() !== "")
    .join("\n\n");
}
