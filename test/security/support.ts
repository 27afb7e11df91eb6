/**
 * Shared pieces of the security suites: raw HTTP requests (bytes and headers exactly as
 * given), socket attempts that report how the server ended them, the error catalogue
 * check, row counts of the store, and a bounded-concurrency runner.
 */
import { createHash } from "node:crypto";
import { Agent, request as httpRequest } from "node:http";
import { errorCatalogue } from "@private-chat/protocol/errors";
import { sql } from "kysely";
import WebSocket from "ws";
import type { Store } from "../../src/storage/store.js";
import { readResponse } from "../helpers/read-response.js";

/** A fixed default seed keeps CI deterministic; set FUZZ_SEED to explore other runs. */
export function fuzzSeed(offset = 0): number {
  const fromEnv = Number(process.env.FUZZ_SEED);
  return (Number.isSafeInteger(fromEnv) ? fromEnv : 20_240_611) + offset;
}

export interface RawResponse {
  status: number;
  text: string;
  json: unknown;
}

const agent = new Agent({ keepAlive: true, maxSockets: 32 });

/**
 * Sends `body` as given: a string is sent as UTF-8, a Uint8Array byte for byte. Plain
 * node:http over a keep-alive agent: several times cheaper than fetch for thousands of
 * small requests, and it sends no headers of its own beyond Host and Content-Length.
 */
export function rawRequest(
  baseUrl: string,
  method: string,
  path: string,
  options: { body?: string | Uint8Array; headers?: Record<string, string> } = {},
): Promise<RawResponse> {
  const url = new URL(path, baseUrl);
  const payload =
    options.body === undefined
      ? undefined
      : typeof options.body === "string"
        ? Buffer.from(options.body, "utf8")
        : Buffer.from(options.body);
  const headers: Record<string, string | number> = { ...options.headers };
  if (payload !== undefined) headers["content-length"] = payload.length;
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        agent,
        host: url.hostname,
        port: url.port,
        method,
        path: `${url.pathname}${url.search}`,
        headers,
      },
      (res) => {
        readResponse(res).then(resolve, reject);
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}

/** Why a body is not `{"error":{"code","message"}}` with a catalogue code, or undefined. */
export function errorBodyProblem(status: number, json: unknown): string | undefined {
  if (typeof json !== "object" || json === null) return "the body is not a JSON object";
  const error = (json as { error?: unknown }).error;
  if (typeof error !== "object" || error === null) return "no error object";
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code !== "string" || !Object.hasOwn(errorCatalogue, code))
    return `code ${JSON.stringify(code)} is not in the catalogue`;
  if (typeof message !== "string" || message === "") return "no message";
  const expected = errorCatalogue[code as keyof typeof errorCatalogue].status;
  if (expected !== status) return `code ${code} belongs with ${expected}, sent with ${status}`;
  return undefined;
}

export function isCatalogueCode(code: unknown): boolean {
  return typeof code === "string" && Object.hasOwn(errorCatalogue, code);
}

export interface SocketOutcome {
  /** The upgrade completed (a 101). */
  opened: boolean;
  /** HTTP status of a refused handshake. */
  status?: number;
  /** Close code and reason once the socket closed. */
  code?: number;
  reason?: string;
  frames: { type?: string; [key: string]: unknown }[];
  /** The client could not even send this (e.g. an invalid subprotocol). */
  clientError?: string;
}

/**
 * Opens a socket and waits until the server closes it (or `settleMs` passes with it open,
 * which counts as accepted: the socket is then closed by us).
 */
export function attemptSocket(
  url: string,
  protocols?: string[],
  settleMs = 3000,
): Promise<SocketOutcome> {
  return new Promise((resolve) => {
    const outcome: SocketOutcome = { opened: false, frames: [] };
    let ws: WebSocket;
    try {
      ws = new WebSocket(url, protocols);
    } catch (err) {
      resolve({ ...outcome, clientError: (err as Error).message });
      return;
    }
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    const timer = setTimeout(() => {
      ws.terminate();
      finish();
    }, settleMs);
    ws.on("open", () => {
      outcome.opened = true;
    });
    ws.on("message", (data) => {
      try {
        outcome.frames.push(JSON.parse(data.toString()));
      } catch {
        outcome.frames.push({ type: "<not json>" });
      }
      // A ready frame means the token was accepted: no need to wait for a close.
      if (outcome.frames.some((f) => f.type === "ready")) {
        ws.close();
        finish();
      }
    });
    ws.on("unexpected-response", (_req, res) => {
      outcome.status = res.statusCode ?? 0;
      ws.terminate();
      finish();
    });
    ws.on("close", (code, reason) => {
      outcome.code = code;
      outcome.reason = reason.toString();
      finish();
    });
    ws.on("error", (err) => {
      outcome.clientError ??= err.message;
    });
  });
}

/** Runs `work` over `items` with at most `limit` in flight; results keep the input order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

const COUNTED_TABLES = [
  "users",
  "sessions",
  "invites",
  "conversations",
  "conversation_members",
  "messages",
  "reactions",
  "message_versions",
  "events",
  "audit_log",
  "attachments",
  "membership_periods",
  "group_adds",
  "blocks",
  "message_requests",
  "devices",
  "key_packages",
  "key_backups",
  "key_backup_chunks",
] as const;

/** Row counts of every table that input could write to, in one round trip. */
export async function rowCounts(store: Store): Promise<Record<string, number>> {
  const columns = COUNTED_TABLES.map(
    (table) => sql`(select count(*) from ${sql.table(table)}) as ${sql.ref(table)}`,
  );
  const result = await sql<Record<string, number | string>>`select ${sql.join(columns)}`.execute(
    store.db,
  );
  const row = result.rows[0] ?? {};
  return Object.fromEntries(COUNTED_TABLES.map((table) => [table, Number(row[table])]));
}

/**
 * A digest of the fields requests can change in place: passwords, names, flags, titles,
 * bodies, roles and read marks. Session touch times are left out on purpose.
 */
export async function contentDigest(store: Store): Promise<string> {
  const hash = createHash("sha256");
  const users = await store.db
    .selectFrom("users")
    .select(["id", "username", "display_name", "password_hash", "is_admin", "disabled"])
    .orderBy("id")
    .execute();
  const conversations = await store.db
    .selectFrom("conversations")
    .select(["id", "title", "last_seq"])
    .orderBy("id")
    .execute();
  const members = await store.db
    .selectFrom("conversation_members")
    .select(["conversation_id", "user_id", "role", "read_seq"])
    .orderBy("conversation_id")
    .orderBy("user_id")
    .execute();
  const messages = await store.db
    .selectFrom("messages")
    .select(["id", "body", "edited_at", "deleted_at"])
    .orderBy("id")
    .execute();
  const reactions = await store.db
    .selectFrom("reactions")
    .select(["message_id", "user_id", "emoji"])
    .orderBy("message_id")
    .orderBy("user_id")
    .orderBy("emoji")
    .execute();
  const sessions = await store.db
    .selectFrom("sessions")
    .select(["id", "revoked_at"])
    .orderBy("id")
    .execute();
  hash.update(JSON.stringify({ users, conversations, members, messages, reactions, sessions }));
  return hash.digest("hex");
}

/** Row counts and content digest together: equal before and after means nothing was stored. */
export async function storeFingerprint(store: Store): Promise<string> {
  return `${JSON.stringify(await rowCounts(store))} ${await contentDigest(store)}`;
}

/** A short, printable rendering of a fuzz input for failure messages. */
export function preview(value: unknown, max = 300): string {
  let text: string;
  if (value instanceof Uint8Array)
    text = `<${value.length} bytes> ${Buffer.from(value).toString("hex")}`;
  else if (typeof value === "string") text = JSON.stringify(value);
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = String(value);
    }
  }
  return text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text;
}
