/**
 * Safe rendering of message text. The body is read by the shared formatting parser
 * (@private-chat/protocol/markup) into a tree that only holds text, and that tree becomes
 * Preact elements here: user text only ever becomes text nodes, never HTML. Links (http(s)
 * and mailto only, decided by the parser) open in a new tab without an opener; @mentions
 * are highlighted in text, not in code or inside links.
 */
import { type Block, type Inline, type ListItem, parseMarkup } from "@private-chat/protocol/markup";
import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";

// A mention follows the server's rule (start of text or a character that cannot be part
// of a name).
const MENTION = /(?<![\w@.-])@[a-z0-9_.-]{3,32}/gi;

function mentions(text: string, mine: string | undefined): ComponentChildren[] {
  const out: ComponentChildren[] = [];
  let last = 0;
  for (const match of text.matchAll(MENTION)) {
    const start = match.index ?? 0;
    if (start > last) out.push(text.slice(last, start));
    const name = match[0].slice(1).replace(/\.+$/, "");
    const extra = match[0].slice(1 + name.length);
    const cls = name.toLowerCase() === mine ? "mention me" : "mention";
    out.push(<span class={cls}>@{name}</span>);
    if (extra) out.push(extra);
    last = start + match[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

function inline(
  nodes: readonly Inline[],
  mine: string | undefined,
  inLink = false,
): ComponentChildren[] {
  return nodes.map((node) => {
    switch (node.type) {
      case "text":
        return inLink ? node.text : mentions(node.text, mine);
      case "strong":
        return <strong>{inline(node.children, mine, inLink)}</strong>;
      case "em":
        return <em>{inline(node.children, mine, inLink)}</em>;
      case "strike":
        return <s>{inline(node.children, mine, inLink)}</s>;
      case "code":
        return <code>{node.text}</code>;
      case "link":
        return (
          <a href={node.href} target="_blank" rel="noopener noreferrer">
            {inline(node.children, mine, true)}
          </a>
        );
      // A line break in a chat message is a line break, as the sender saw it typing.
      default:
        // softbreak or hardbreak.
        return <br />;
    }
  });
}

function CodeBlock({ text, lang }: { text: string; lang: string | undefined }) {
  const [copied, setCopied] = useState(false);
  const copy = () => {
    void navigator.clipboard?.writeText(text).then(
      () => setCopied(true),
      () => setCopied(false),
    );
  };
  return (
    <div class="code-block">
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a keyboard must be able to scroll a long line sideways. */}
      <pre tabIndex={0} data-lang={lang}>
        <code>{text}</code>
      </pre>
      <button
        type="button"
        class="copy-code"
        onClick={copy}
        aria-label={copied ? "Copied" : "Copy code"}
      >
        {copied ? "Copied" : "Copy"}
      </button>
    </div>
  );
}

function blocks(
  nodes: readonly (Block | ListItem)[],
  mine: string | undefined,
): ComponentChildren[] {
  return nodes.map((node) => {
    switch (node.type) {
      case "paragraph":
        return <p>{inline(node.children, mine)}</p>;
      case "code_block":
        return <CodeBlock text={node.text} lang={node.lang} />;
      case "blockquote":
        return <blockquote>{blocks(node.children, mine)}</blockquote>;
      case "list":
        return node.ordered ? (
          <ol start={node.start}>{blocks(node.children, mine)}</ol>
        ) : (
          <ul>{blocks(node.children, mine)}</ul>
        );
      default:
        // A list item.
        return <li>{blocks(node.children, mine)}</li>;
    }
  });
}

/**
 * A message's text. One plain paragraph (most messages) stays a single inline <p>, as
 * before formatting existed; anything with blocks becomes a <div> of blocks.
 */
export function MessageText(props: {
  body: string;
  myUsername: string | undefined;
  class: string;
}) {
  const tree = parseMarkup(props.body);
  const mine = props.myUsername?.toLowerCase();
  const only = tree.length === 1 ? tree[0] : undefined;
  if (only?.type === "paragraph") return <p class={props.class}>{inline(only.children, mine)}</p>;
  return <div class={`${props.class} rich`}>{blocks(tree, mine)}</div>;
}

const EMOJI_ONLY = /^(?:\p{Extended_Pictographic}|\p{Emoji_Component}|\u200d|\ufe0f|\s)+$/u;

/** One to three emoji and nothing else: shown large. */
export function isEmojiOnly(body: string): boolean {
  if (!EMOJI_ONLY.test(body) || /^[\d\s#*]+$/.test(body)) return false;
  return [...new Intl.Segmenter().segment(body.trim())].length <= 3;
}
