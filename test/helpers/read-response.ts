/**
 * Reads a node:http response whole: its status, its text, the text parsed as JSON when it
 * is JSON, and its headers. Shared by the raw clients that bypass fetch.
 */
import type { IncomingHttpHeaders, IncomingMessage } from "node:http";

export interface ReadResponse {
  status: number;
  text: string;
  // Tests read answers of many shapes.
  json: any;
  headers: IncomingHttpHeaders;
  /** Names and values as sent, alternating; a header sent twice appears twice. */
  rawHeaders: string[];
}

export function readResponse(res: IncomingMessage): Promise<ReadResponse> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on("data", (chunk: Buffer) => chunks.push(chunk));
    res.on("error", reject);
    res.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      let json: unknown;
      try {
        json = text === "" ? undefined : JSON.parse(text);
      } catch {
        json = undefined;
      }
      resolve({
        status: res.statusCode ?? 0,
        text,
        json,
        headers: res.headers,
        rawHeaders: res.rawHeaders,
      });
    });
  });
}
