/**
 * A zip written as it is read: entries are opened only when yazl reaches them, so an
 * export of any size holds one page of rows or one file's buffer at a time. Whatever
 * goes wrong part way (a query, a missing blob) ends the download with an error rather
 * than a zip that looks whole but is not.
 */
import { Readable } from "node:stream";
import { finished } from "node:stream/promises";
import { ZipFile } from "yazl";

/** Media types whose bytes are compressed already: stored as they are, not deflated again. */
const PACKED = /^(image|video|audio)\/|zip|gzip|x-xz|x-bzip2|x-7z|x-rar|x-tar|zstd/;

export function isPacked(contentType: string): boolean {
  return PACKED.test(contentType);
}

/** A name safe as one zip path segment on any system: no separators, no reserved marks. */
export function safeSegment(name: string, fallback = "file"): string {
  const cleaned = [...name]
    .map((c) => (c < " " || c === "\u007f" || '/\\:*?"<>|'.includes(c) ? "_" : c))
    .join("")
    // Windows drops trailing dots and spaces, which would merge two names into one.
    .replace(/[. ]+$/, "");
  const bounded = [...cleaned].slice(0, 200).join("");
  return bounded === "" || /^\.+$/.test(bounded) ? fallback : bounded;
}

export class ExportArchive {
  private readonly zip = new ZipFile();
  private readonly open = new Set<Readable>();
  private failure: Error | undefined;

  constructor(
    private readonly signal: AbortSignal,
    private readonly onFailure: (err: Error) => void,
    private readonly mtime = new Date(),
  ) {
    this.zip.on("error", (err: Error) => this.fail(err));
    // A client that goes away stops the reading: no more queries, no open files left.
    signal.addEventListener("abort", () => {
      for (const stream of this.open) stream.destroy();
    });
  }

  /** The zip's bytes, to send as the response body. */
  get output(): Readable {
    return this.zip.outputStream as Readable;
  }

  /** Whether writing should stop: the client left or something failed. */
  get stopped(): boolean {
    return this.signal.aborted || this.failure !== undefined;
  }

  /** A small entry made whole up front (README, profile). */
  addText(path: string, text: string): void {
    if (this.stopped) return;
    this.zip.addBuffer(Buffer.from(text), path, { mtime: this.mtime });
  }

  /**
   * An entry whose bytes come from `open()`, called only when the zip reaches it. Resolves
   * once the entry is written, or the archive stopped.
   */
  addStream(
    path: string,
    open: () => Promise<Readable | undefined>,
    options: { compress?: boolean; mtime?: Date; size?: number } = {},
  ): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const { size, ...rest } = options;
      const entryOptions = {
        mtime: this.mtime,
        ...rest,
        ...(size !== undefined ? { size } : {}),
      };
      this.zip.addReadStreamLazy(path, entryOptions, (deliver) => {
        const empty = () => Readable.from([]);
        if (this.stopped) {
          resolve();
          return deliver(null, empty());
        }
        open().then(
          (stream) => {
            if (!stream) throw new Error(`the bytes of ${path} are missing`);
            this.open.add(stream);
            finished(stream).then(
              () => this.open.delete(stream),
              (err: Error) => {
                this.open.delete(stream);
                if (!this.signal.aborted) this.fail(err);
              },
            );
            stream.once("end", resolve).once("close", resolve);
            deliver(null, stream);
          },
          (err: Error) => {
            this.fail(err);
            resolve();
            // Handing yazl an error would make it emit one; it is stopped already.
            deliver(null, empty());
          },
        );
      });
    });
  }

  /** An entry written from a generator of text, read page by page as the zip needs it. */
  addGenerated(path: string, generate: () => AsyncGenerator<string>, mtime?: Date): Promise<void> {
    const source = async function* (): AsyncGenerator<Buffer> {
      for await (const text of generate()) yield Buffer.from(text);
    };
    return this.addStream(path, async () => Readable.from(source(), { objectMode: false }), {
      ...(mtime ? { mtime } : {}),
    });
  }

  /** Writes the zip's directory: call once every entry is added. */
  end(): void {
    if (this.failure === undefined) this.zip.end();
  }

  /** Stops the archive: the download ends with an error instead of a zip that looks whole. */
  fail(err: Error): void {
    if (this.failure !== undefined) return;
    this.failure = err;
    for (const stream of this.open) stream.destroy();
    this.onFailure(err);
    // The headers are out already: cutting the body short is the only way to say so.
    this.output.destroy(err);
  }
}
