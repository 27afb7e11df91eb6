/**
 * Slack's mrkdwn as this server's markdown (packages/protocol/src/markup.ts): what tools
 * that post to Slack write (`<url|label>`, `*bold*`, `~strike~`, `&lt;`) reads the same
 * here. Code spans and fenced blocks are left alone, as Slack leaves them.
 */

/** Slack escapes only these three; everything else arrives as it is. */
export function unescapeSlack(text: string): string {
  return text.replaceAll("&lt;", "<").replaceAll("&gt;", ">").replaceAll("&amp;", "&");
}

/** Brackets and backslashes in a link's label would end the label early. */
function escapeLabel(label: string): string {
  return label.replace(/[[\]\\]/g, (c) => `\\${c}`);
}

/**
 * One `<...>` of Slack: a link (`<url>`, `<url|label>`), a mention of a user or channel
 * (`<@U1>`, `<#C1|name>`), a special mention (`<!here>`) or a date with its fallback.
 */
function fromAngle(inner: string): string {
  const bar = inner.indexOf("|");
  const target = bar < 0 ? inner : inner.slice(0, bar);
  const label = bar < 0 ? undefined : unescapeSlack(inner.slice(bar + 1));
  if (target.startsWith("@")) return label ? `@${label.replace(/^@/, "")}` : target;
  if (target.startsWith("#")) return `#${label ?? target.slice(1)}`;
  if (target.startsWith("!")) {
    if (label !== undefined) return label;
    const name = target.slice(1).split("^")[0] ?? "";
    return `@${name}`;
  }
  const url = unescapeSlack(target);
  if (label === undefined || label === url) return url;
  // A space or parenthesis would end a markdown link's address: leave such a one bare.
  if (/[\s()]/.test(url)) return `${label} (${url})`;
  return `[${escapeLabel(label)}](${url})`;
}

const BOLD = /(^|[^\w*])\*(?=\S)([^*\n]*?\S)\*(?![\w*])/g;
const STRIKE = /(^|[^\w~])~(?=\S)([^~\n]*?\S)~(?![\w~])/g;

function fromPlain(text: string): string {
  return unescapeSlack(text.replace(BOLD, "$1**$2**").replace(STRIKE, "$1~~$2~~"));
}

/** Code (fenced or inline) and Slack's `<...>` are read apart from the text around them. */
const SPECIAL = /(```[\s\S]*?```|`[^`\n]+`|<[^<>\n]+>)/;

export function mrkdwnToMarkdown(text: string): string {
  return text
    .split(SPECIAL)
    .map((part, i) => {
      if (i % 2 === 0) return fromPlain(part);
      if (part.startsWith("`")) return unescapeSlack(part);
      return fromAngle(part.slice(1, -1));
    })
    .join("");
}
