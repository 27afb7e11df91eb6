/**
 * Client frames: what a client may send on the socket. The server validates every frame
 * against `clientFrame` (objects are strict: an unknown field is an error); clients
 * build them with `encodeClientFrame`, so both sides share one definition.
 */
import { z } from "zod";
import { MAX_ATTACHMENTS_PER_MESSAGE } from "./attachments.js";

/** The largest text frame the server accepts; a larger one closes the socket with 1009. */
export const MAX_FRAME_BYTES = 64 * 1024;

export const requestId = z.union([z.string().max(64), z.number()]);
const conversationId = z.string().min(1).max(64);

export const clientFrame = z.discriminatedUnion("type", [
  z.strictObject({
    type: z.literal("message.send"),
    id: requestId,
    conversation_id: conversationId,
    body: z.string().max(100_000),
    client_id: z.string().min(1).max(64).optional(),
    reply_to: z.string().min(1).max(64).optional(),
    attachment_ids: z.array(z.uuid()).max(MAX_ATTACHMENTS_PER_MESSAGE).optional(),
  }),
  z.strictObject({
    type: z.literal("typing"),
    conversation_id: conversationId,
    id: requestId.optional(),
  }),
  z.strictObject({
    type: z.literal("read"),
    conversation_id: conversationId,
    seq: z.int().min(0),
    id: requestId.optional(),
  }),
  z.strictObject({ type: z.literal("sync"), since: z.int().min(0), id: requestId.optional() }),
  z.strictObject({ type: z.literal("ping"), id: requestId.optional() }),
]);
export type ClientFrame = z.infer<typeof clientFrame>;
export type ClientFrameType = ClientFrame["type"];
export const CLIENT_FRAME_TYPES = [
  "message.send",
  "typing",
  "read",
  "sync",
  "ping",
] as const satisfies readonly ClientFrameType[];

/**
 * The text of a client frame. Fields set to undefined are left out, so an optional field
 * never reaches the server's strict schema as an unknown key.
 */
export function encodeClientFrame(frame: ClientFrame): string {
  return JSON.stringify(frame);
}
