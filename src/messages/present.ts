/**
 * The message shape that leaves the server (made in protocol/present-message.ts, which
 * the storage writer shares).
 */
export { presentMessage, presentReactions } from "../protocol/present-message.js";
