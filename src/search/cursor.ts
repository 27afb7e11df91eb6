/**
 * The opaque `before` cursor of search pages: the last hit's rank and message id, which
 * the next page continues below. Opaque so its shape can change without breaking clients.
 */
import { z } from "zod";
import { AppError } from "../errors.js";
import type { SearchCursor } from "../storage/search.js";

const cursorShape = z.tuple([z.number(), z.string().min(1).max(64)]);

export function encodeCursor(cursor: SearchCursor): string {
  return Buffer.from(JSON.stringify([cursor.rank, cursor.id])).toString("base64url");
}

/** Reads a cursor this server gave out; anything else is `invalid_request`. */
export function decodeCursor(text: string): SearchCursor {
  try {
    const [rank, id] = cursorShape.parse(JSON.parse(Buffer.from(text, "base64url").toString()));
    return { rank, id };
  } catch {
    throw new AppError("invalid_request", "before is not a cursor from an earlier search page");
  }
}
