/**
 * Message formatting: the common subset of CommonMark a chat needs (bold, italic,
 * ~~strikethrough~~, `code`, fenced code blocks, block quotes, lists, links and bare
 * http(s) links), parsed once here into a small tree of our own node types, so that the
 * web app, the terminal client, push payloads and notifications all read a body alike.
 *
 * The tree only ever holds text: raw HTML is not a construct (it stays text), and a link
 * exists only for http(s) and mailto addresses. Headings, images, tables, horizontal
 * rules and indented code are off: in a chat `# x`, `![x](y)` or four leading spaces
 * are what the sender typed. The stored body is never changed; this is a reading of it.
 */
import MarkdownIt from "markdown-it";

type Token = ReturnType<MarkdownIt["parse"]>[number];

export type Inline =
  | { type: "text"; text: string }
  | { type: "strong"; children: Inline[] }
  | { type: "em"; children: Inline[] }
  | { type: "strike"; children: Inline[] }
  | { type: "code"; text: string }
  | { type: "link"; href: string; children: Inline[] }
  | { type: "softbreak" }
  | { type: "hardbreak" };

export interface ListItem {
  type: "item";
  children: Block[];
}

export type Block =
  | { type: "paragraph"; children: Inline[] }
  | { type: "code_block"; lang?: string; text: string }
  | { type: "blockquote"; children: Block[] }
  | { type: "list"; ordered: boolean; start: number; children: ListItem[] };

const LINK_SCHEME = /^(?:https?:\/\/|mailto:)/i;

/** Whether `href` may become a link: http(s) and mailto only, never javascript: or data:. */
export function isSafeHref(href: string): boolean {
  return LINK_SCHEME.test(href.trim());
}

function createParser(): MarkdownIt {
  const md = new MarkdownIt("zero", { html: false, linkify: true });
  md.enable(["blockquote", "fence", "list"]);
  md.enable(["newline", "escape", "backticks", "emphasis", "strikethrough", "link", "autolink"]);
  md.enable(["linkify"]);
  // Only links written with their scheme: "example.com" or "a@b.c" alone stay text.
  md.linkify.set({ fuzzyLink: false, fuzzyEmail: false, fuzzyIP: false });
  md.linkify.add("ftp:", null).add("//", null);
  md.validateLink = isSafeHref;
  return md;
}

let parser: MarkdownIt | undefined;

function inlines(tokens: readonly Token[]): Inline[] {
  const root: Inline[] = [];
  const stack: Inline[][] = [root];
  for (const token of tokens) {
    const top = stack[stack.length - 1] as Inline[];
    switch (token.type) {
      case "text":
        // Neighbouring text (markdown-it splits at would-be markup) becomes one node.
        if (top.at(-1)?.type === "text") (top.at(-1) as { text: string }).text += token.content;
        else if (token.content) top.push({ type: "text", text: token.content });
        break;
      case "softbreak":
      case "hardbreak":
        top.push({ type: token.type });
        break;
      case "code_inline":
        top.push({ type: "code", text: token.content });
        break;
      case "strong_open":
      case "em_open":
      case "s_open":
      case "link_open": {
        const children: Inline[] = [];
        if (token.type === "link_open") {
          top.push({ type: "link", href: token.attrGet("href") ?? "", children });
        } else {
          const type =
            token.type === "strong_open" ? "strong" : token.type === "em_open" ? "em" : "strike";
          top.push({ type, children });
        }
        stack.push(children);
        break;
      }
      case "strong_close":
      case "em_close":
      case "s_close":
      case "link_close":
        if (stack.length > 1) stack.pop();
        break;
      default:
        // Anything else enabled rules could make is kept as what it says.
        if (token.content) top.push({ type: "text", text: token.content });
    }
  }
  return root;
}

/** The body as a tree of blocks; an empty body is no blocks. */
export function parseMarkup(body: string): Block[] {
  parser ??= createParser();
  const tokens = parser.parse(body, {});
  const root: Block[] = [];
  const stack: (Block | ListItem)[][] = [root];
  for (const token of tokens) {
    const top = stack[stack.length - 1] as (Block | ListItem)[];
    switch (token.type) {
      case "inline":
        top.push({ type: "paragraph", children: inlines(token.children ?? []) });
        break;
      case "fence": {
        const lang = token.info.trim().split(/\s+/)[0];
        const text = token.content.replace(/\n$/, "");
        top.push(lang ? { type: "code_block", lang, text } : { type: "code_block", text });
        break;
      }
      case "blockquote_open": {
        const children: Block[] = [];
        top.push({ type: "blockquote", children });
        stack.push(children);
        break;
      }
      case "bullet_list_open":
      case "ordered_list_open": {
        const children: ListItem[] = [];
        const ordered = token.type === "ordered_list_open";
        const start = ordered ? Number(token.attrGet("start") ?? 1) : 1;
        top.push({ type: "list", ordered, start, children });
        stack.push(children);
        break;
      }
      case "list_item_open": {
        const children: Block[] = [];
        top.push({ type: "item", children });
        stack.push(children);
        break;
      }
      case "blockquote_close":
      case "bullet_list_close":
      case "ordered_list_close":
      case "list_item_close":
        if (stack.length > 1) stack.pop();
        break;
      // paragraph_open/close only wrap an "inline" token, which makes the paragraph.
    }
  }
  return root;
}

function inlineText(nodes: readonly Inline[]): string {
  let out = "";
  for (const node of nodes) {
    if (node.type === "text" || node.type === "code") out += node.text;
    else if (node.type === "softbreak" || node.type === "hardbreak") out += "\n";
    else out += inlineText(node.children);
  }
  return out;
}

function blockText(blocks: readonly (Block | ListItem)[]): string[] {
  return blocks.flatMap((block) => {
    switch (block.type) {
      case "paragraph":
        return [inlineText(block.children)];
      case "code_block":
        return [block.text];
      default:
        // A block quote, a list or a list item: what it holds.
        return blockText(block.children);
    }
  });
}

/**
 * The words of a body without markup characters, blocks on lines of their own: for
 * notifications, push payloads and previews. A link reads as its text.
 */
export function plainText(body: string): string {
  return blockText(parseMarkup(body)).join("\n");
}
