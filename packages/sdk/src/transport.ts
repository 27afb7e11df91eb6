/**
 * How the SDK talks HTTP to the server: one call, its JSON answer decoded with a schema,
 * and every refusal turned into an ApiError with the catalogue's code.
 */
import { decodeWith } from "@private-chat/protocol/decode";
import { type ErrorCode, errorBody } from "@private-chat/protocol/errors";
import type { z } from "zod/mini";
import { ApiError } from "./errors.js";

/** The code for an error answer without a catalogue body (a proxy's page, say). */
function codeForStatus(status: number): ErrorCode {
  if (status === 401) return "unauthorized";
  if (status === 404) return "not_found";
  if (status === 429) return "rate_limited";
  return status >= 500 ? "internal_error" : "invalid_request";
}

export interface ApiClientOptions {
  /** Server base URL, e.g. https://chat.example.com; "" for the page's own origin. */
  baseUrl: string;
  token?: string | undefined;
  fetch?: typeof fetch;
}

/** The HTTP side of ApiClient: the base URL, the bearer token, and decoding answers. */
export class RestTransport {
  token: string | undefined;
  readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;

  constructor(options: ApiClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.token = options.token;
    this.fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  /**
   * Calls the API and decodes the answer with `schema`. Fields the schema does not know
   * are dropped (a newer server may add some); an answer that does not match is an
   * ApiError, never an untyped value.
   */
  async request<S extends z.core.$ZodType>(
    method: string,
    path: string,
    schema: S,
    body?: unknown,
  ): Promise<z.output<S>> {
    const parsed = await this.call(method, path, body);
    const decoded = decodeWith(schema, parsed);
    if (!decoded.ok)
      throw new ApiError(
        0,
        "internal_error",
        `the server's answer to ${method} ${path.split("?")[0]} is not understood: ${decoded.problem}`,
      );
    return decoded.value;
  }

  /**
   * As request(), also telling the answer's HTTP status (200 found, 201 created, say);
   * `headers` go with the request (a condition: If-Match, If-None-Match).
   */
  async requestWithStatus<S extends z.core.$ZodType>(
    method: string,
    path: string,
    schema: S,
    body?: unknown,
    headers?: Readonly<Record<string, string>>,
  ): Promise<{ status: number; value: z.output<S> }> {
    const response = await this.send(method, path, body, headers);
    const parsed = await this.decode(response);
    const decoded = decodeWith(schema, parsed);
    if (!decoded.ok)
      throw new ApiError(
        0,
        "internal_error",
        `the server's answer to ${method} ${path.split("?")[0]} is not understood: ${decoded.problem}`,
      );
    return { status: response.status, value: decoded.value };
  }

  /**
   * GETs a file (a download, an export) and returns the response unread, so its body can
   * be streamed; a refusal is an ApiError as everywhere.
   */
  async download(path: string): Promise<Response> {
    const response = await this.send("GET", path, undefined);
    if (!response.ok) await this.decode(response);
    return response;
  }

  /** Calls the API and returns its JSON answer undecoded (for answers without a body). */
  async call(method: string, path: string, body?: unknown): Promise<unknown> {
    return this.decode(await this.send(method, path, body));
  }

  private async send(
    method: string,
    path: string,
    body: unknown,
    extra?: Readonly<Record<string, string>>,
  ): Promise<Response> {
    // A request's own headers (a condition such as If-Match) first: ours are not theirs to set.
    const headers: Record<string, string> = { ...extra };
    // A form (a file upload) sets its own multipart content type and boundary.
    const form = body instanceof FormData;
    if (body !== undefined && !form) headers["content-type"] = "application/json";
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    try {
      return await this.fetchImpl(`${this.baseUrl}${path}`, {
        method,
        headers,
        body: body === undefined ? null : form ? body : JSON.stringify(body),
      });
    } catch (err) {
      throw new ApiError(0, "network_error", `cannot reach the server: ${(err as Error).message}`);
    }
  }

  /** The JSON answer of `response`, or the ApiError of a refusal. */
  private async decode(response: Response): Promise<unknown> {
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text === "" ? undefined : JSON.parse(text);
    } catch {
      throw new ApiError(
        response.status,
        response.ok ? "internal_error" : codeForStatus(response.status),
        `the server's answer is not JSON (HTTP ${response.status}); is the server URL right?`,
        retryAfterMs(response),
      );
    }
    if (!response.ok) {
      const decoded = errorBody.safeParse(parsed);
      const error = decoded.success ? decoded.data.error : undefined;
      throw new ApiError(
        response.status,
        error?.code ?? codeForStatus(response.status),
        error?.message ?? `HTTP ${response.status}`,
        retryAfterMs(response),
        error?.details,
      );
    }
    return parsed;
  }
}

/** The server's Retry-After (seconds) in milliseconds, when it sent one. */
function retryAfterMs(response: Response): number | undefined {
  const seconds = Number(response.headers.get("retry-after"));
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined;
}
