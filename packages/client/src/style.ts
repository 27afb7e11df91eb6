/**
 * Colours and emphasis for our own output. Only applied to text already made safe, only
 * on a terminal, and never when NO_COLOR is set (https://no-color.org).
 */
export interface Style {
  dim(text: string): string;
  bold(text: string): string;
  /** Inline code and code blocks in messages. */
  code(text: string): string;
  name(text: string): string;
  error(text: string): string;
}

const PALETTE = [31, 32, 33, 34, 35, 36, 91, 92, 93, 94, 95, 96];

function sgr(code: number | string, text: string): string {
  return `\u001b[${code}m${text}\u001b[0m`;
}

/** A stable colour per name, so each person keeps theirs across lines and runs. */
function colourOf(name: string): number {
  let hash = 0;
  for (const ch of name) hash = (hash * 31 + (ch.codePointAt(0) ?? 0)) >>> 0;
  return PALETTE[hash % PALETTE.length] ?? 36;
}

export function styleFor(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): Style {
  const on = stream.isTTY === true && !env.NO_COLOR && env.TERM !== "dumb";
  if (!on) {
    const plain = (text: string) => text;
    return { dim: plain, bold: plain, code: plain, name: plain, error: plain };
  }
  return {
    dim: (text) => sgr(2, text),
    bold: (text) => sgr(1, text),
    // Reverse video marks code on any palette, light or dark.
    code: (text) => sgr(7, text),
    name: (text) => sgr(`1;${colourOf(text)}`, text),
    error: (text) => sgr(31, text),
  };
}
