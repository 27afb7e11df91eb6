/**
 * Replays the events a socket missed since a cursor, while live events wait, then lets
 * the live stream resume exactly where the replay ended. Used on connect (with
 * `?since=`) and for the `sync` frame.
 */
import { AppError } from "../errors.js";
import type { SyncService } from "../sync/service.js";
import type { Connection } from "./connection.js";
import { errorFrame, loggedEventFrame, syncedFrame } from "./frames.js";

// One catch-up replays at most SYNC_PAGE * SYNC_MAX_PAGES events, and stops early once
// the socket holds half of what it may buffer; the client syncs again for the rest. So a
// replay never trips the slow-consumer limit, however large the events it replays.
const SYNC_PAGE = 500;
const SYNC_MAX_PAGES = 20;

export async function catchUp(
  connection: Connection,
  sync: SyncService,
  since: number,
  requestId?: string | number,
): Promise<void> {
  connection.beginCatchUp();
  let cursor = since;
  let complete = false;
  let expired = false;
  try {
    const budget = connection.replayBudgetBytes;
    for (let page = 0; page < SYNC_MAX_PAGES; page++) {
      if (page > 0 && connection.ws.bufferedAmount > budget) break;
      const result = await sync.since(connection.user.id, cursor, SYNC_PAGE, budget);
      for (const event of result.events) connection.send(loggedEventFrame(event.payload, event.id));
      cursor = result.cursor;
      complete = !result.hasMore;
      if (complete || !connection.open) break;
    }
  } catch (err) {
    // Older than the log keeps: the client reloads its state and starts again from the
    // newest cursor; until then the socket stays behind and sends nothing live.
    if (!(err instanceof AppError && err.code === "cursor_expired")) throw err;
    expired = true;
    connection.send(errorFrame(err.code, err.message, requestId));
  } finally {
    // Held live events past the cursor go out before `synced`; a client keeps the
    // highest cursor it has seen.
    const behind = connection.endCatchUp(cursor, complete);
    if (!expired) connection.send(syncedFrame(cursor, behind, requestId));
  }
}
