/**
 * The messages between the server's event loop and the push sender thread
 * (sender-thread.ts): what the thread is given to start, what it is told, and what it
 * reports back.
 */
import type { Config } from "../config/schema.js";
import type { GuardOptions } from "../outbound/guarded-fetch.js";
import type { DeliveryOptions, FailureReason } from "./delivery.js";
import type { PushesFor } from "./enqueue.js";

export interface SenderThreadData {
  database: Config["database"];
  postgresSchema?: string;
  guard: Omit<GuardOptions, "resolve">;
  delivery: DeliveryOptions;
  includeContent: boolean;
  nodeId: string;
  maxAttempts: number;
  timeoutMs: number;
}

export type ToSender = { type: "wake" } | { type: "queue"; wanted: PushesFor[] } | { type: "stop" };

export type FromSender =
  | {
      type: "counts";
      sent: number;
      failed: Partial<Record<FailureReason, number>>;
      queue?: { queued: number; oldestAgeSeconds: number };
    }
  | { type: "error"; context: string; message: string; stack?: string }
  | { type: "stopped" };
