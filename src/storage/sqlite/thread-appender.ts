/**
 * The server's SQLite append path: batches go to the writer thread (writer-thread.ts) and
 * come back committed. The thread starts once the migrations ran (`start`), or else on
 * the first batch.
 */
import type { Worker } from "node:worker_threads";
import { startWorker } from "../../threads/start-worker.js";
import type { AppendBatch, AppendResult, MessageAppender } from "../message-rules.js";
import type { SqliteKey } from "./encryption.js";
import type { WriterRequest } from "./writer-thread.js";

interface Pending {
  resolve: (results: AppendResult[]) => void;
  reject: (error: Error) => void;
}

type Reply =
  | { id: number; results: AppendResult[] }
  | { id: number; error: { message: string; code?: string } };

export class ThreadMessageAppender implements MessageAppender {
  // The writer thread works through its queue in order.
  readonly keepsOrder = true;

  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  constructor(
    private readonly path: string,
    private readonly key: SqliteKey | undefined,
  ) {}

  append(batch: AppendBatch): Promise<AppendResult[]> {
    const worker = this.running();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({
        id,
        requests: batch.requests,
        now: batch.now,
        references: batch.references,
      } satisfies WriterRequest);
    });
  }

  async stop(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    this.worker = undefined;
    const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
    worker.postMessage("stop");
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 2000)))]);
    clearTimeout(timer);
    await worker.terminate();
  }

  start(): void {
    this.running();
  }

  private running(): Worker {
    if (this.worker) return this.worker;
    const worker = startWorker(import.meta.url, "writer-thread", {
      path: this.path,
      key: this.key,
    });
    worker.unref();
    worker.on("message", (reply: Reply) => {
      const waiting = this.pending.get(reply.id);
      if (!waiting) return;
      this.pending.delete(reply.id);
      if ("results" in reply) {
        waiting.resolve(reply.results);
      } else {
        // Keep the SQLite code: callers tell unique violations and busy errors apart by it.
        waiting.reject(Object.assign(new Error(reply.error.message), { code: reply.error.code }));
      }
    });
    const failAll = (error: Error) => {
      if (this.worker === worker) this.worker = undefined;
      for (const waiting of this.pending.values()) waiting.reject(error);
      this.pending.clear();
    };
    worker.on("error", failAll);
    worker.on("exit", (code) => {
      if (this.pending.size > 0) failAll(new Error(`the writer thread stopped (exit ${code})`));
      else if (this.worker === worker) this.worker = undefined;
    });
    this.worker = worker;
    return worker;
  }
}
