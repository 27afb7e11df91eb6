/**
 * What the server does with each client frame. Every failure becomes an `error` frame
 * with a catalogue code; the socket stays open and usable.
 */

import { CLIENT_FRAME_TYPES, type ClientFrame, clientFrame } from "@private-chat/protocol/frames";
import {
  containsUnsafeText,
  mayContainUnsafeText,
  UNSAFE_TEXT_MESSAGE,
} from "@private-chat/protocol/unsafe-text";
import { allows, type RouteScope } from "../auth/route-scopes.js";
import type { ConversationService } from "../conversations/service.js";
import { errorReply, invalidInput } from "../error-reply.js";
import { AppError } from "../errors.js";
import type { MessageService } from "../messages/service.js";
import type { Metrics } from "../ops/metrics.js";
import type { SyncService } from "../sync/service.js";
import { catchUp } from "./catch-up.js";
import type { Connection } from "./connection.js";
import { ackFrame, pongFrame } from "./frames.js";
import type { Hub } from "./hub.js";

// Sends one socket may have waiting for their commit before its frames slow down.
const MAX_SENDS_IN_FLIGHT = 64;

/** What an access token needs for each frame (a socket needs messages:read to open). */
const FRAME_SCOPES: Record<ClientFrame["type"], RouteScope> = {
  ping: "any",
  focus: "any",
  sync: "messages:read",
  "message.send": "messages:write",
  typing: "messages:write",
  read: "messages:write",
};

export interface FrameHandlerDeps {
  hub: Hub;
  messages: MessageService;
  conversations: ConversationService;
  sync: SyncService;
  metrics: Metrics;
  onError: (err: unknown, context: string) => void;
}

type ParsedFrame =
  | { ok: true; frame: ClientFrame }
  | {
      ok: false;
      id?: string | number;
      code: "invalid_json" | "unknown_frame_type" | "invalid_request" | "unknown_fields";
      message: string;
    };

function requestIdOf(value: unknown): string | number | undefined {
  const id = (value as { id?: unknown } | null)?.id;
  return typeof id === "string" || typeof id === "number" ? id : undefined;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function parseFrame(text: string): ParsedFrame {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, code: "invalid_json", message: "a frame must be a JSON object" };
  }
  const id = requestIdOf(raw);
  const type = (raw as { type?: unknown } | null)?.type;
  if (mayContainUnsafeText(text) && containsUnsafeText(raw)) {
    return {
      ok: false,
      ...(id === undefined ? {} : { id }),
      code: "invalid_request",
      message: UNSAFE_TEXT_MESSAGE,
    };
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    return {
      ok: false,
      code: "invalid_request",
      message: "a frame must be a JSON object with a type",
    };
  }
  if (typeof type !== "string" || !(CLIENT_FRAME_TYPES as readonly string[]).includes(type)) {
    return {
      ok: false,
      ...(id === undefined ? {} : { id }),
      code: "unknown_frame_type",
      message: `unknown frame type ${JSON.stringify(type)}; expected one of ${CLIENT_FRAME_TYPES.join(", ")}`,
    };
  }
  const parsed = clientFrame.safeParse(raw);
  if (!parsed.success) {
    const error = invalidInput(parsed.error.issues, `${type} frame`);
    return {
      ok: false,
      ...(id === undefined ? {} : { id }),
      code: error.code === "unknown_fields" ? "unknown_fields" : "invalid_request",
      message: error.message,
    };
  }
  return { ok: true, frame: parsed.data };
}

export class FrameHandlers {
  constructor(private readonly deps: FrameHandlerDeps) {}

  /** Handles one client frame; `text` is undefined for a binary frame. */
  async handle(connection: Connection, text: string | undefined): Promise<void> {
    // Every frame, well-formed or not, spends from the socket's budget.
    if (!connection.admitFrame()) {
      this.deps.metrics.socketFrames.inc({ type: "any", outcome: "rate_limited" });
      this.deps.metrics.rateLimited.inc({ limit: "socket" });
      const id = text === undefined ? undefined : requestIdOf(safeJson(text));
      connection.sendError("rate_limited", "too many frames; slow down", id);
      return;
    }
    if (text === undefined) {
      connection.sendError("invalid_request", "send JSON text frames");
      return;
    }
    const parsed = parseFrame(text);
    if (!parsed.ok) {
      this.deps.metrics.socketFrames.inc({ type: "invalid", outcome: parsed.code });
      connection.sendError(parsed.code, parsed.message, parsed.id);
      return;
    }
    const { frame } = parsed;
    try {
      await this.dispatch(connection, frame);
      this.deps.metrics.socketFrames.inc({ type: frame.type, outcome: "ok" });
    } catch (err) {
      this.report(connection, frame, err);
    }
  }

  /** Turns a failure into an error frame; only unexpected ones are logged. */
  private report(connection: Connection, frame: ClientFrame, err: unknown): void {
    const id = "id" in frame ? frame.id : undefined;
    const failure = errorReply(err);
    this.deps.metrics.socketFrames.inc({ type: frame.type, outcome: failure.code });
    if (failure.unexpected) this.deps.onError(err, `frame ${frame.type}`);
    connection.sendError(failure.code, failure.message, id);
  }

  private async dispatch(connection: Connection, frame: ClientFrame): Promise<void> {
    if (!allows(connection.scopes, FRAME_SCOPES[frame.type]))
      throw new AppError(
        "insufficient_scope",
        `this access token lacks the ${FRAME_SCOPES[frame.type]} scope`,
      );
    switch (frame.type) {
      case "ping":
        connection.send(pongFrame(frame.id));
        return;
      case "message.send":
        return this.send(connection, frame);
      case "typing":
        if (!connection.rooms.has(frame.conversation_id))
          throw new AppError("not_found", "conversation not found");
        this.deps.hub.typing(connection, frame.conversation_id);
        return;
      case "read":
        await this.deps.conversations.markRead(connection.user, frame.conversation_id, frame.seq);
        return;
      case "sync":
        return catchUp(connection, this.deps.sync, frame.since, frame.id);
      case "focus":
        this.deps.hub.setFocus(connection, frame.active);
        return;
    }
  }

  /**
   * Queues a send and moves on to the socket's next frame without waiting for the
   * commit, so one socket's messages can share a group commit; the queue keeps their
   * order. The ack (or error frame) follows when the batch commits. A socket may have a
   * bounded number of sends waiting; past that, its next frame waits for this one.
   */
  private async send(
    connection: Connection,
    frame: Extract<ClientFrame, { type: "message.send" }>,
  ): Promise<void> {
    connection.expectAck(frame.id);
    connection.sendsInFlight += 1;
    const done = this.deps.messages
      .send(
        connection.user,
        frame.conversation_id,
        {
          body: frame.body,
          ...(frame.client_id ? { client_id: frame.client_id } : {}),
          ...(frame.reply_to ? { reply_to: frame.reply_to } : {}),
          ...(frame.attachment_ids ? { attachment_ids: frame.attachment_ids } : {}),
          ...(frame.thread_id ? { thread_id: frame.thread_id } : {}),
          ...(frame.also_to_conversation !== undefined
            ? { also_to_conversation: frame.also_to_conversation }
            : {}),
          ...(frame.mls ? { mls: frame.mls } : {}),
        },
        { node_id: this.deps.hub.nodeId, socket_id: connection.id, request_id: frame.id },
      )
      .then(
        (result) => {
          // Normally the ack went out in order with the event stream; a duplicate (or a
          // socket still catching up) gets it here instead.
          if (!connection.takeAck(frame.id)) return;
          connection.send(
            ackFrame(frame.id, result.message, connection.lastCursor, result.duplicate),
          );
        },
        (err: unknown) => {
          connection.takeAck(frame.id);
          this.report(connection, frame, err);
        },
      )
      .finally(() => {
        connection.sendsInFlight -= 1;
      });
    if (connection.sendsInFlight > MAX_SENDS_IN_FLIGHT) await done;
  }
}
