/**
 * The interactive terminal: a readline prompt at the bottom with output scrolling above
 * it. Lines printed while the user is typing are written above the prompt, and the
 * half-typed input is redrawn after them, so incoming messages never garble it.
 */
import {
  type Completer,
  clearLine,
  clearScreenDown,
  createInterface,
  cursorTo,
  type Interface,
  moveCursor,
} from "node:readline";

export class Screen {
  readonly rl: Interface;
  private promptText = "> ";

  constructor(
    input: NodeJS.ReadStream,
    private readonly output: NodeJS.WriteStream,
    completer: Completer,
  ) {
    this.rl = createInterface({ input, output, completer, historySize: 200, terminal: true });
    this.rl.setPrompt(this.promptText);
  }

  setPrompt(text: string): void {
    this.promptText = text;
    this.rl.setPrompt(text);
  }

  prompt(): void {
    this.rl.prompt(true);
  }

  /** Writes a line above the prompt and redraws the prompt with what was being typed. */
  print(line: string): void {
    cursorTo(this.output, 0);
    clearLine(this.output, 0);
    this.output.write(`${line}\n`);
    this.rl.prompt(true);
  }

  /**
   * Removes the line just entered (prompt plus input, possibly wrapped), so that the
   * message shows up once, as the server stored it, rather than twice.
   */
  eraseEntered(line: string): void {
    const columns = this.output.columns || 80;
    const width = [...visible(this.promptText)].length + [...line].length;
    const rows = Math.max(1, Math.ceil(width / columns));
    moveCursor(this.output, 0, -rows);
    cursorTo(this.output, 0);
    clearScreenDown(this.output);
  }

  close(): void {
    this.rl.close();
  }
}

function visible(text: string): string {
  // Only our own prompt goes through here, and its only escapes are SGR colour codes.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping our own SGR codes
  return text.replace(/\u001b\[[0-9;]*m/g, "");
}
