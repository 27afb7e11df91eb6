/**
 * Requests whose path goes on the wire exactly as written. fetch() and `new URL()` resolve
 * dot segments and read `//api` as a host, so the path spellings an attacker sends (dot
 * segments, doubled slashes, percent-encoded letters) need a client that leaves them be.
 * Speaks HTTP or, for the shipped nginx site, HTTPS with its throwaway certificate, from a
 * chosen local address (nginx's allow/deny and the rate limit key on the client address).
 */
import http from "node:http";
import https from "node:https";
import { readResponse } from "./read-response.js";

export interface VerbatimResponse {
  status: number;
  text: string;
  json: any;
  headers: http.IncomingHttpHeaders;
  rawHeaders: string[];
}

export interface VerbatimOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: unknown;
  /** Local address to send from, e.g. 127.0.0.2 to be "another machine" to nginx. */
  localAddress?: string;
}

export function verbatim(
  base: string,
  path: string,
  options: VerbatimOptions = {},
): Promise<VerbatimResponse> {
  const url = new URL(base);
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  const headers: Record<string, string | number> = { ...options.headers };
  if (payload !== undefined) {
    headers["content-type"] = "application/json";
    headers["content-length"] = Buffer.byteLength(payload);
  }
  const secure = url.protocol === "https:";
  const send = secure ? https.request : http.request;
  return new Promise((resolve, reject) => {
    const req = send(
      {
        host: url.hostname,
        port: url.port,
        method: options.method ?? "GET",
        path,
        headers,
        localAddress: options.localAddress,
        agent: false,
        // The site's certificate is made for the test and signed by nobody.
        ...(secure ? { rejectUnauthorized: false, servername: "chat.example.com" } : {}),
      },
      (res) => {
        readResponse(res).then(resolve, reject);
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}
