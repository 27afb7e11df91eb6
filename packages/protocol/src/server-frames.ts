/**
 * Server frames: everything the server sends on the socket, as schemas with their types
 * inferred. Clients read each text message with `decodeServerFrame`; a frame of a type
 * this version does not know is reported, never thrown, so a newer server can add one.
 */
import { z } from "zod/mini";
import { messageView } from "./chat.js";
import { requestId } from "./client-frames.js";
import { type Decoded, type DecodeOptions, decodeWith, parseJson } from "./decode.js";
import { errorCode } from "./errors.js";
import { CHAT_EVENT_TYPES, cursor, storedEvent } from "./events.js";
import { userView } from "./rest.js";

export const readyFrame = z.object({
  type: z.literal("ready"),
  user: userView,
  cursor,
  session_id: z.string(),
});
export const ackFrame = z.object({
  type: z.literal("ack"),
  id: requestId,
  message: messageView,
  cursor,
  duplicate: z.optional(z.literal(true)),
});
export const typingFrame = z.object({
  type: z.literal("typing"),
  conversation_id: z.string(),
  user_id: z.string(),
});
export const presenceFrame = z.object({
  type: z.literal("presence"),
  user_id: z.string(),
  status: z.enum(["online", "offline"]),
  last_seen_at: z.nullable(z.number()),
});
export const syncedFrame = z.object({
  type: z.literal("synced"),
  id: z.optional(requestId),
  cursor,
  has_more: z.boolean(),
});
export const pongFrame = z.object({ type: z.literal("pong"), id: z.optional(requestId) });
export const errorFrame = z.object({
  type: z.literal("error"),
  id: z.optional(requestId),
  code: errorCode,
  message: z.string(),
});

export const serverFrame = z.discriminatedUnion("type", [
  readyFrame,
  ackFrame,
  typingFrame,
  presenceFrame,
  syncedFrame,
  pongFrame,
  errorFrame,
  storedEvent,
]);
export type ServerFrame = z.infer<typeof serverFrame>;
export type ServerFrameType = ServerFrame["type"];
export type ReadyFrame = z.infer<typeof readyFrame>;
export type AckFrame = z.infer<typeof ackFrame>;
export type TypingFrame = z.infer<typeof typingFrame>;
export type PresenceFrame = z.infer<typeof presenceFrame>;
export type SyncedFrame = z.infer<typeof syncedFrame>;
export type ErrorFrame = z.infer<typeof errorFrame>;

/** The frame types that are not logged events (those are CHAT_EVENT_TYPES). */
export const CONTROL_FRAME_TYPES = [
  "ready",
  "ack",
  "typing",
  "presence",
  "synced",
  "pong",
  "error",
] as const satisfies readonly ServerFrameType[];

export const SERVER_FRAME_TYPES: ReadonlySet<string> = new Set<ServerFrameType>([
  ...CONTROL_FRAME_TYPES,
  ...CHAT_EVENT_TYPES,
]);

export type DecodedServerFrame =
  | { ok: true; frame: ServerFrame }
  | { ok: false; unknownType: boolean; type: string | undefined; problem: string };

/**
 * Reads one text message from the server. `unknownType` marks a frame that is valid JSON
 * with a type this version does not know: skip it. Any other failure is a broken frame.
 */
export function decodeServerFrame(text: string, options: DecodeOptions = {}): DecodedServerFrame {
  const json = parseJson(text);
  if (!json.ok) return { ok: false, unknownType: false, type: undefined, problem: json.problem };
  const raw = json.value;
  const type =
    typeof raw === "object" && raw !== null && typeof (raw as { type?: unknown }).type === "string"
      ? (raw as { type: string }).type
      : undefined;
  const decoded: Decoded<ServerFrame> = decodeWith(serverFrame, raw, options);
  if (decoded.ok) return { ok: true, frame: decoded.value };
  const unknownType = type === undefined || !SERVER_FRAME_TYPES.has(type);
  return { ok: false, unknownType, type, problem: decoded.problem };
}
