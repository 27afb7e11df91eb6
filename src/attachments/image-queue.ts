/**
 * Image work waits its turn here. Decoding and re-encoding (sharp, libvips) runs on
 * libuv's thread pool, the same few threads that hash passwords (argon2) and do file
 * I/O: unbounded, a handful of heavy uploads held every thread and sign-in stalled for
 * everyone. At most `jobs` images are processed at once, so the pool always keeps
 * threads for the rest; a bounded number more wait, and past that an upload is refused
 * with 503 server_busy and a Retry-After estimate instead of piling up.
 */
import { availableParallelism } from "node:os";
import { AppError } from "../errors.js";

/** libuv's default pool size, used when UV_THREADPOOL_SIZE is not set. */
const DEFAULT_POOL = 4;
/** Threads of the pool image work never takes: sign-in (argon2) and file I/O run there. */
const RESERVED_THREADS = 2;
/** How many uploads may wait per running job. */
const WAITING_PER_JOB = 8;

/**
 * The size of libuv's pool in this process. It is read from UV_THREADPOOL_SIZE once, when
 * the pool is first used, which for an ES module entry point is before any of its code
 * runs: the variable must be in the environment the process starts with.
 */
export function threadPoolSize(env: NodeJS.ProcessEnv = process.env): number {
  const size = Number.parseInt(env.UV_THREADPOOL_SIZE ?? "", 10);
  // libuv itself clamps the value to 1..1024.
  return Number.isFinite(size) && size > 0 ? Math.min(size, 1024) : DEFAULT_POOL;
}

/** One job per core, leaving RESERVED_THREADS of the pool free; at least one. */
export function defaultImageJobs(cores = availableParallelism(), pool = threadPoolSize()): number {
  return Math.max(1, Math.min(cores, pool - RESERVED_THREADS));
}

export class ImageQueue {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  /** A moving average of how long a job takes, for Retry-After. */
  private averageMs = 1000;

  constructor(
    readonly jobs: number,
    readonly maxWaiting: number,
  ) {
    if (!Number.isInteger(jobs) || jobs < 1) throw new Error("an image queue needs a job");
  }

  /** Jobs running and waiting now. */
  get load(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }

  /** Runs `job` when a slot is free; throws server_busy if too many already wait. */
  async run<T>(job: () => Promise<T>): Promise<T> {
    if (this.running < this.jobs) {
      this.running += 1;
    } else {
      if (this.waiting.length >= this.maxWaiting) throw this.busy();
      // The finishing job hands its slot over: `running` stays as it is.
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    const started = performance.now();
    try {
      return await job();
    } finally {
      this.averageMs = 0.8 * this.averageMs + 0.2 * (performance.now() - started);
      const next = this.waiting.shift();
      if (next) next();
      else this.running -= 1;
    }
  }

  private busy(): AppError {
    // Roughly when the queue ahead of a new upload will have drained.
    const drainMs = (this.averageMs * (this.running + this.waiting.length)) / this.jobs;
    const seconds = Math.min(60, Math.max(1, Math.ceil(drainMs / 1000)));
    return new AppError(
      "server_busy",
      `the server is processing too many images (${this.jobs} at a time, ${this.maxWaiting} waiting); try again in ${seconds} s`,
      undefined,
      seconds,
    );
  }
}

/**
 * The process's queue. The thread pool belongs to the process, so the queue does too:
 * every server and service in it shares these slots.
 */
export const imageQueue = new ImageQueue(defaultImageJobs(), WAITING_PER_JOB * defaultImageJobs());
