/**
 * Asking the user for what the command line left out. On a terminal, questions go to
 * stderr (stdout stays for results) and passwords are read without echo; when stdin is
 * piped, each answer is the next line of stdin, so `printf 'pw\n' | chat-client login`
 * works in scripts.
 */
import { createInterface, type Interface } from "node:readline";
import { CliError } from "./errors.js";

export class Prompter {
  private lines: Interface | undefined;
  private readonly queued: string[] = [];
  private readonly waiting: ((line: string | undefined) => void)[] = [];
  private ended = false;

  constructor(
    private readonly input: NodeJS.ReadStream = process.stdin,
    private readonly output: NodeJS.WriteStream = process.stderr,
  ) {}

  get interactive(): boolean {
    return this.input.isTTY === true;
  }

  async ask(question: string, what: string): Promise<string> {
    if (!this.interactive) return this.nextLine(what);
    const rl = createInterface({ input: this.input, output: this.output, terminal: true });
    let onClose = () => {};
    try {
      return await new Promise<string>((resolve, reject) => {
        onClose = () => reject(cancelled());
        rl.on("SIGINT", onClose);
        rl.on("close", onClose);
        rl.question(question, (answer) => resolve(answer.trim()));
      });
    } finally {
      // Only our listener: readline's own "close" handler is what detaches it from stdin.
      rl.off("close", onClose);
      rl.close();
    }
  }

  async secret(question: string, what: string): Promise<string> {
    if (!this.interactive) return this.nextLine(what);
    return readHidden(this.input, this.output, question);
  }

  close(): void {
    this.lines?.close();
  }

  private nextLine(what: string): Promise<string> {
    if (!this.lines) {
      this.lines = createInterface({ input: this.input, terminal: false });
      this.lines.on("line", (line) => {
        const waiter = this.waiting.shift();
        if (waiter) waiter(line);
        else this.queued.push(line);
      });
      this.lines.on("close", () => {
        this.ended = true;
        for (const waiter of this.waiting.splice(0)) waiter(undefined);
      });
    }
    const line = this.queued.shift();
    if (line !== undefined) return Promise.resolve(line);
    if (this.ended) return Promise.reject(missing(what));
    return new Promise((resolve, reject) => {
      this.waiting.push((value) => (value === undefined ? reject(missing(what)) : resolve(value)));
    });
  }
}

function missing(what: string): CliError {
  return new CliError("usage", `no ${what} given and stdin ended before one was read`);
}

function cancelled(): CliError {
  return new CliError("cancelled", "cancelled");
}

/** Raw-mode line input that echoes nothing; handles backspace, Ctrl-U, Ctrl-C, Ctrl-D. */
function readHidden(
  input: NodeJS.ReadStream,
  output: NodeJS.WriteStream,
  question: string,
): Promise<string> {
  output.write(question);
  const wasRaw = input.isRaw;
  input.setRawMode(true);
  input.setEncoding("utf8");
  input.resume();
  return new Promise((resolve, reject) => {
    let value = "";
    const finish = (error?: CliError) => {
      input.off("data", onData);
      input.setRawMode(wasRaw);
      input.pause();
      output.write("\n");
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === "\r" || ch === "\n") return finish();
        if (ch === "\u0003") return finish(cancelled());
        if (ch === "\u0004") return value === "" ? finish(cancelled()) : finish();
        if (ch === "\u007f" || ch === "\b") value = [...value].slice(0, -1).join("");
        else if (ch === "\u0015") value = "";
        else if (ch >= " ") value += ch;
      }
    };
    input.on("data", onData);
  });
}

/** All of stdin as text, for `send <conversation> -`. */
export async function readAllStdin(input: NodeJS.ReadStream = process.stdin): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}
