/**
 * Talking to the server as the saved user: the REST client, the resilient socket, and
 * noticing when the session has ended so a long-running command stops with exit 2
 * instead of reconnecting forever.
 */

import {
  ApiClient,
  ApiError,
  ChatSocket,
  type ConnectionState,
  type WebSocketFactory,
} from "@private-chat/sdk";
import WebSocket from "ws";
import type { Credentials } from "./credentials.js";
import { CliError, isSessionGone, sessionGone } from "./errors.js";

export function apiFor(credentials: Credentials): ApiClient {
  return new ApiClient({ baseUrl: credentials.server, token: credentials.token });
}

export function socketFor(credentials: Credentials): ChatSocket {
  return new ChatSocket({
    baseUrl: credentials.server,
    token: () => credentials.token,
    WebSocket: WebSocket as unknown as WebSocketFactory,
  });
}

/**
 * Why the server closed the socket with 4401: a token without the scope to listen is a
 * plain error (signing in again would not help); anything else ends the session.
 */
function refusedSocket(reason: string): CliError {
  const scope = /^insufficient_scope: (.*)$/.exec(reason);
  if (scope) return new CliError("insufficient_scope", scope[1] ?? reason);
  return sessionGone(new ApiError(401, "unauthorized", reason));
}

/** Resolves once the socket is open; rejects after `timeoutMs` or if it becomes unauthorized. */
export function waitForOpen(socket: ChatSocket, timeoutMs: number): Promise<void> {
  if (socket.state === "open") return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(
        new CliError(
          "network_error",
          `could not connect to the server within ${timeoutMs / 1000}s`,
        ),
      );
    }, timeoutMs);
    const off = socket.on("state", ({ state, reason }) => {
      if (state === "open") {
        clearTimeout(timer);
        off();
        resolve();
      } else if (state === "unauthorized") {
        clearTimeout(timer);
        off();
        reject(refusedSocket(reason));
      }
    });
  });
}

/**
 * Calls `onGone` once if the session ends. A socket closed with 4401 says so itself, but a
 * refused handshake (HTTP 401) looks like any other dropped connection to the SDK, so
 * each reconnect also asks the REST API whether the token is still good.
 */
export function watchSession(
  socket: ChatSocket,
  api: ApiClient,
  onGone: (error: CliError) => void,
): () => void {
  let gone = false;
  let probing = false;
  const fail = (error: CliError) => {
    if (gone) return;
    gone = true;
    onGone(error);
  };
  return socket.on("state", ({ state, reason }) => {
    if (state === "unauthorized") fail(refusedSocket(reason));
    if (state !== "reconnecting" || probing) return;
    probing = true;
    api
      .me()
      .catch((err: unknown) => {
        if (isSessionGone(err)) fail(sessionGone(err));
      })
      .finally(() => {
        probing = false;
      });
  });
}

/** What a connection state change means to a person, for the status line. */
export function describeState(state: ConnectionState, reason: string): string {
  switch (state) {
    case "connecting":
      return "connecting…";
    case "syncing":
      return "connected, catching up…";
    case "open":
      return "connected";
    case "reconnecting":
      return `${reason}; reconnecting…`;
    case "unauthorized":
      return `not authorized: ${reason}`;
    default:
      return state;
  }
}
