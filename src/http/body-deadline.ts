/**
 * How long a client may take to send a request body. Node's `requestTimeout` gives every
 * request one figure, which either lets a slow body hold a connection for minutes or cuts
 * off a large upload on a slow link. Here an ordinary body must arrive within the
 * deadline, while a route marked `streamingUpload` may take as long as it keeps moving.
 */
import type { Socket } from "node:net";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { AppError } from "../errors.js";
import { answerAndClose } from "./raw-error.js";

declare module "fastify" {
  interface FastifyContextConfig {
    /** The body is a file streamed to storage: judged by its pace, not a deadline. */
    streamingUpload?: boolean;
  }
}

/** What an upload must bring in each window to count as moving (about 2 KiB/s at 30 s). */
export const UPLOAD_MIN_BYTES_PER_WINDOW = 64 * 1024;

function cutOff(request: FastifyRequest, socket: Socket, message: string): void {
  request.log.info({ received: socket.bytesRead }, "request body too slow; connection closed");
  // The handler may still be waiting for the body. Once the socket is gone Node drops
  // whatever it answers later, so this is the one answer the client sees.
  answerAndClose(socket, new AppError("request_timeout", message));
}

export function installBodyDeadlines(app: FastifyInstance, windowMs: number): void {
  app.addHook("onRequest", (request, reply, done) => {
    const raw = request.raw;
    // A request without a body is complete as soon as its headers are.
    if (raw.complete) return done();
    const socket = raw.socket;
    const upload = request.routeOptions.config.streamingUpload === true;
    let seen = socket.bytesRead;
    let timer: NodeJS.Timeout | undefined;
    const check = () => {
      timer = undefined;
      if (raw.complete || socket.destroyed) return;
      if (upload && socket.bytesRead - seen >= UPLOAD_MIN_BYTES_PER_WINDOW) {
        seen = socket.bytesRead;
        timer = setTimeout(check, windowMs);
        return;
      }
      // Answered early (a refusal before the body was read): Node discards the rest of
      // the body as it comes, and would for as long as the client keeps trickling it.
      if (reply.raw.headersSent) {
        socket.destroy();
        return;
      }
      const seconds = Math.round(windowMs / 1000);
      cutOff(
        request,
        socket,
        upload
          ? `the upload stalled: less than ${UPLOAD_MIN_BYTES_PER_WINDOW / 1024} KiB arrived in ${seconds} s`
          : `the request body did not arrive within ${seconds} s`,
      );
    };
    timer = setTimeout(check, windowMs);
    const stop = () => {
      if (timer) clearTimeout(timer);
      timer = undefined;
      raw.off("end", stop).off("close", stop);
      socket.off("close", stop);
    };
    // The request's events fire once the body is all in (read or discarded). A body
    // refused before it was read may never end the request: its connection's close is
    // then the last word, and the timer must not outlive it (it would hold a stopped
    // server's process open for a whole window).
    raw.once("end", stop);
    raw.once("close", stop);
    socket.once("close", stop);
    done();
  });
}
