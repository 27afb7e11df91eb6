/**
 * Where commands write: results to stdout, status and errors to stderr, each with the
 * styling its own stream supports. Passed to commands so they stay easy to follow.
 */
import { type Style, styleFor } from "./style.js";

export interface Io {
  out(line: string): void;
  err(line: string): void;
  outStyle: Style;
  errStyle: Style;
}

export function processIo(): Io {
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    outStyle: styleFor(process.stdout),
    errStyle: styleFor(process.stderr),
  };
}
