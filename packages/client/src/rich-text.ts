/**
 * A formatted message body on one terminal line. The shared parser
 * (@private-chat/protocol/markup, through the SDK) reads the body; every piece of the
 * sender's text is made terminal-safe (sanitize.ts) before our own styling wraps it, so
 * nothing the sender typed can become an escape sequence. Bold and code are styled
 * (plain with NO_COLOR or off a terminal), strikethrough keeps its ~~ so the meaning is not
 * lost, links show their address, and line breaks, blocks and list items show as ↵.
 */
import { type Block, type Inline, type ListItem, parseMarkup } from "@private-chat/sdk";
import { safeBody } from "./sanitize.js";
import type { Style } from "./style.js";

const BREAK = " ↵ ";

function inline(nodes: readonly Inline[], style: Style): string {
  return nodes
    .map((node) => {
      switch (node.type) {
        case "text":
          return safeBody(node.text);
        case "strong":
          return style.bold(inline(node.children, style));
        case "em":
          return inline(node.children, style);
        case "strike":
          return `~~${inline(node.children, style)}~~`;
        case "code":
          return style.code(safeBody(node.text));
        case "link": {
          const text = inline(node.children, style);
          const href = safeBody(node.href);
          return text === href ? text : `${text} (${href})`;
        }
        default:
          return BREAK;
      }
    })
    .join("");
}

function blocks(nodes: readonly (Block | ListItem)[], style: Style): string[] {
  return nodes.flatMap((node) => {
    switch (node.type) {
      case "paragraph":
        return [inline(node.children, style)];
      case "code_block":
        return [style.code(safeBody(node.text))];
      case "blockquote":
        return blocks(node.children, style).map((line) => `> ${line}`);
      case "list":
        return node.children.map((item, i) =>
          blocks(item.children, style)
            .map((line, j) =>
              j === 0 ? `${node.ordered ? `${node.start + i}.` : "•"} ${line}` : line,
            )
            .join(BREAK),
        );
      default:
        // A list item outside a list (the parser makes none): what it holds.
        return blocks(node.children, style);
    }
  });
}

/** The body, formatted and terminal-safe, on one line. */
export function formatBody(body: string, style: Style): string {
  return blocks(parseMarkup(body), style).join(BREAK);
}
