/**
 * Client frames: what a client may send on the socket. The server validates every frame
 * against `clientFrame` (objects are strict: an unknown field is an error); clients
 * build them with `encodeClientFrame`, so both sides share one definition.
 */
import { z } from "zod/mini";
import { MAX_ATTACHMENTS_PER_MESSAGE } from "./attachments.js";
import { mlsSend } from "./encrypted.js";

/** The largest text frame the server accepts; a larger one closes the socket with 1009. */
export const MAX_FRAME_BYTES = 64 * 1024;

export const requestId = z.union([z.string().check(z.maxLength(64)), z.number()]);
const conversationId = z.string().check(z.minLength(1), z.maxLength(64));

export const clientFrame = z.discriminatedUnion("type", [
  z.strictObject({
    type: z.literal("message.send"),
    id: requestId,
    conversation_id: conversationId,
    body: z.string().check(z.maxLength(100_000)),
    client_id: z.optional(z.string().check(z.minLength(1), z.maxLength(64))),
    reply_to: z.optional(z.string().check(z.minLength(1), z.maxLength(64))),
    attachment_ids: z.optional(z.array(z.uuid()).check(z.maxLength(MAX_ATTACHMENTS_PER_MESSAGE))),
    thread_id: z.optional(z.string().check(z.minLength(1), z.maxLength(64))),
    also_to_conversation: z.optional(z.boolean()),
    /** An encrypted conversation's send: `body` is an MLS message (a frame is at most 64 KiB). */
    mls: z.optional(mlsSend),
  }),
  z.strictObject({
    type: z.literal("typing"),
    conversation_id: conversationId,
    id: z.optional(requestId),
  }),
  z.strictObject({
    type: z.literal("read"),
    conversation_id: conversationId,
    seq: z.int().check(z.minimum(0)),
    id: z.optional(requestId),
  }),
  z.strictObject({
    type: z.literal("sync"),
    since: z.int().check(z.minimum(0)),
    id: z.optional(requestId),
  }),
  z.strictObject({ type: z.literal("ping"), id: z.optional(requestId) }),
  // Whether the person is looking at this client: a socket that says false no longer
  // keeps Web Push away from the user's other devices.
  z.strictObject({ type: z.literal("focus"), active: z.boolean(), id: z.optional(requestId) }),
]);
export type ClientFrame = z.infer<typeof clientFrame>;
export type ClientFrameType = ClientFrame["type"];
export const CLIENT_FRAME_TYPES = [
  "message.send",
  "typing",
  "read",
  "sync",
  "ping",
  "focus",
] as const satisfies readonly ClientFrameType[];

/**
 * The text of a client frame. Fields set to undefined are left out, so an optional field
 * never reaches the server's strict schema as an unknown key.
 */
export function encodeClientFrame(frame: ClientFrame): string {
  return JSON.stringify(frame);
}
