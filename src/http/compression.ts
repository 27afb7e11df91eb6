/**
 * Compressed API answers: JSON of 1 KB or more goes out as brotli or gzip when the client
 * says it accepts them. Registered on the /api/v1 scope only: the web app's files are
 * compressed at build time (web-app.ts), and the socket, health and metrics endpoints
 * stay as they are.
 */
import compress from "@fastify/compress";
import type { FastifyInstance, RouteOptions } from "fastify";

/**
 * Routes whose answers are sent as they are:
 * - sign-in, registration, password change and socket tickets answer with a token or
 *   ticket, and the invites and password resets of the admin answer with codes and
 *   passwords. A compressed answer that holds a secret beside text an attacker chose
 *   (a username, a note) leaks the secret through its length (BREACH), so these are
 *   never compressed; they are small anyway.
 * - attachments are files: images and archives are compressed already, and downloads are
 *   streamed with byte ranges that describe the stored bytes.
 * - data exports are zips, compressed already, and hold their owner's session list.
 */
const UNCOMPRESSED = [
  /\/auth\//,
  /\/socket-ticket$/,
  /\/admin\/invites/,
  /\/admin\/users\/:id\/reset-password$/,
  /\/attachments(\/|$)/,
  /\/export$/,
];

export function isUncompressedRoute(url: string): boolean {
  return UNCOMPRESSED.some((pattern) => pattern.test(url));
}

export async function registerCompression(scope: FastifyInstance): Promise<void> {
  // Runs before the plugin's own onRoute hook, which reads `compress` on each route.
  scope.addHook("onRoute", (route: RouteOptions) => {
    if (isUncompressedRoute(route.url)) route.compress = false;
  });
  await scope.register(compress, {
    global: true,
    threshold: 1024,
    encodings: ["br", "gzip"],
    // Request bodies are read as sent: inflating them would let a small upload grow past
    // the body limit after it has been checked.
    globalDecompression: false,
  });
}
