/**
 * The socket protocol in one import: client frames, server frames, chat events and
 * close codes. Every frame is one JSON text message with a `type`.
 */
export * from "./client-frames.js";
export * from "./close-codes.js";
export * from "./events.js";
export * from "./server-frames.js";
