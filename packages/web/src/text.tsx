/**
 * Safe rendering of message text: the body only ever becomes text nodes, http(s) links
 * become <a> elements and @mentions get highlighted. Nothing is parsed as HTML.
 */
import type { ComponentChildren } from "preact";

// A link runs to whitespace or a character that cannot start HTML; a mention follows the
// server's rule (start of text or a character that cannot be part of a name).
const TOKEN = /\bhttps?:\/\/[^\s<>"'`]+|(?<![\w@.-])@[a-z0-9_.-]{3,32}/gi;
const TRAILING = /[.,;:!?'")\]}]+$/;

/** The URL if `raw` is an http(s) link; trailing punctuation is left out of it. */
export function splitLink(raw: string): { href: string; text: string; rest: string } | null {
  let text = raw;
  let rest = "";
  const trail = TRAILING.exec(text);
  if (trail) {
    let cut = trail[0];
    // Keep a closing parenthesis that balances one inside the URL (Wikipedia-style).
    const body = text.slice(0, -cut.length);
    if (
      cut.startsWith(")") &&
      (body.match(/\(/g)?.length ?? 0) > (body.match(/\)/g)?.length ?? 0)
    ) {
      cut = cut.slice(1);
    }
    if (cut) {
      text = text.slice(0, -cut.length);
      rest = cut;
    }
  }
  try {
    const url = new URL(text);
    if (url.protocol !== "http:" && url.protocol !== "https:") return null;
    return { href: url.href, text, rest };
  } catch {
    return null;
  }
}

export function renderText(body: string, myUsername?: string): ComponentChildren[] {
  const out: ComponentChildren[] = [];
  let last = 0;
  const mine = myUsername?.toLowerCase();
  for (const match of body.matchAll(TOKEN)) {
    const token = match[0];
    const start = match.index ?? 0;
    if (start > last) out.push(body.slice(last, start));
    if (token.startsWith("@")) {
      const name = token.slice(1).replace(/\.+$/, "");
      const extra = token.slice(1 + name.length);
      const cls = name.toLowerCase() === mine ? "mention me" : "mention";
      out.push(<span class={cls}>@{name}</span>);
      if (extra) out.push(extra);
    } else {
      const link = splitLink(token);
      if (link) {
        out.push(
          <a href={link.href} target="_blank" rel="noopener noreferrer">
            {link.text}
          </a>,
        );
        if (link.rest) out.push(link.rest);
      } else {
        out.push(token);
      }
    }
    last = start + token.length;
  }
  if (last < body.length) out.push(body.slice(last));
  return out;
}

const EMOJI_ONLY = /^(?:\p{Extended_Pictographic}|\p{Emoji_Component}|\u200d|\ufe0f|\s)+$/u;

/** One to three emoji and nothing else: shown large. */
export function isEmojiOnly(body: string): boolean {
  if (!EMOJI_ONLY.test(body) || /^[\d\s#*]+$/.test(body)) return false;
  return [...new Intl.Segmenter().segment(body.trim())].length <= 3;
}
