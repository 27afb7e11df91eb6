/**
 * Errors answered on the bare socket, where there is no Fastify reply to send them with:
 * requests Node's parser refused, and bodies cut off for being too slow. They carry the
 * same `{"error":{"code","message"}}` body as every other error.
 */
import { STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import { AppError } from "../errors.js";

function rawErrorResponse(error: AppError): string {
  const body = JSON.stringify(error.toBody());
  return (
    `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? "Error"}\r\n` +
    "Content-Type: application/json; charset=utf-8\r\n" +
    `Content-Length: ${Buffer.byteLength(body)}\r\n` +
    "Connection: close\r\n\r\n" +
    body
  );
}

/** Answers with `error` and closes, without waiting long for a client that does not read. */
export function answerAndClose(socket: Socket, error: AppError): void {
  if (socket.destroyed) return;
  if (!socket.writable || socket.writableEnded) {
    socket.destroy();
    return;
  }
  socket.once("finish", () => socket.destroy());
  socket.end(rawErrorResponse(error));
  setTimeout(() => socket.destroy(), 1000).unref();
}

/** The `clientError` handler: what Node's HTTP parser refused, in our error format. */
export function onClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === "ECONNRESET" || socket.destroyed) return;
  const error =
    err.code === "ERR_HTTP_REQUEST_TIMEOUT"
      ? new AppError("request_timeout", "the request headers did not arrive in time")
      : err.code === "HPE_HEADER_OVERFLOW"
        ? new AppError("headers_too_large", "the request headers are too large")
        : new AppError("invalid_request", "the request is not valid HTTP");
  answerAndClose(socket, error);
}
