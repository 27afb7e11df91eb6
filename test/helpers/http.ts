/**
 * A small HTTP client for tests: JSON in, status + parsed JSON + headers out. Every
 * response is checked against the server's OpenAPI document (openapi-contract.ts).
 */
import { checkAgainstContract, prepareContract } from "./openapi-contract.js";

export interface Response<T = any> {
  status: number;
  body: T;
  headers: Headers;
  text: string;
}

export interface RequestOptions {
  body?: unknown;
  token?: string;
  headers?: Record<string, string>;
  rawBody?: string;
}

export async function request<T = any>(
  baseUrl: string,
  method: string,
  path: string,
  options: RequestOptions = {},
): Promise<Response<T>> {
  const headers: Record<string, string> = { ...options.headers };
  let body: string | undefined;
  if (options.rawBody !== undefined) {
    body = options.rawBody;
    headers["content-type"] ??= "application/json";
  } else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers["content-type"] = "application/json";
  }
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const url = new URL(path, baseUrl);
  prepareContract(url);
  const response = await fetch(url, { method, headers, body });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text === "" ? undefined : JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  await checkAgainstContract({
    method,
    url,
    status: response.status,
    contentType: response.headers.get("content-type"),
    text,
    body: parsed,
  });
  return { status: response.status, body: parsed as T, headers: response.headers, text };
}

/** A bound client for one server. */
export function client(baseUrl: string) {
  return {
    get: <T = any>(path: string, options?: RequestOptions) =>
      request<T>(baseUrl, "GET", path, options),
    post: <T = any>(path: string, body?: unknown, options?: RequestOptions) =>
      request<T>(baseUrl, "POST", path, { ...options, body }),
    patch: <T = any>(path: string, body?: unknown, options?: RequestOptions) =>
      request<T>(baseUrl, "PATCH", path, { ...options, body }),
    put: <T = any>(path: string, body?: unknown, options?: RequestOptions) =>
      request<T>(baseUrl, "PUT", path, { ...options, body }),
    delete: <T = any>(path: string, options?: RequestOptions) =>
      request<T>(baseUrl, "DELETE", path, options),
  };
}
