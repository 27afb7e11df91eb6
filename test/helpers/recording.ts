/**
 * A copy of what a server sent through a proxy (fault-proxy.ts with `record`), to be
 * searched: each answer's body, decoded if the server encoded it after all, and each
 * socket's whole stream from the server.
 */
import { brotliDecompressSync, gunzipSync, inflateSync } from "node:zlib";

/** What the server sent: one answer's body, or all a socket carried from it. */
export interface Recorded {
  what: string;
  bytes: Buffer;
}

const DECODE: Record<string, (bytes: Buffer) => Buffer> = {
  gzip: gunzipSync,
  br: brotliDecompressSync,
  deflate: inflateSync,
};

export interface Recorder {
  /** Keeps the bytes `what` that `stream` carries from the server (when recording). */
  keep(what: string, stream: NodeJS.ReadableStream, encoding?: string): void;
  recorded(): Recorded[];
}

export function recorder(on: boolean): Recorder {
  const kept: { what: string; encoding?: string; chunks: Buffer[] }[] = [];
  return {
    keep(what, stream, encoding) {
      if (!on) return;
      const chunks: Buffer[] = [];
      kept.push({ what, chunks, ...(encoding ? { encoding } : {}) });
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    },
    recorded: () =>
      kept.map(({ what, encoding, chunks }) => {
        const bytes = Buffer.concat(chunks);
        const decode = encoding ? DECODE[encoding] : undefined;
        return { what, bytes: decode ? decode(bytes) : bytes };
      }),
  };
}
