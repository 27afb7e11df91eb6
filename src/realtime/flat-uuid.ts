/**
 * A random UUID for something that lives as long as a socket does. randomUUID() builds
 * its text from 20 pieces, which V8 keeps as a chain of about 13 cons strings (some 400
 * bytes) until something flattens it, and nothing does for an id that is only compared:
 * copied through a Buffer, it is one flat 36-character string (some 56 bytes).
 */
import { randomUUID } from "node:crypto";

export function flatUuid(): string {
  return Buffer.from(randomUUID(), "latin1").toString("latin1");
}
