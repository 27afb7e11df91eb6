/**
 * A push service stand-in for the benchmark: an HTTPS server on 127.0.0.1 that answers
 * every push 201 Created, as a browser vendor's service does, and counts what arrives
 * per subscription endpoint. It does not decrypt: the tests' double (test/helpers/
 * push-double.ts) checks the payloads; here only the rate and the count matter.
 *
 * It runs in a process of its own at the lowest scheduling priority. A real push service
 * runs on someone else's machines; on this one its TLS and HTTP work would otherwise take
 * CPU from the measured server and from the benchmark's own clients, and be counted as
 * the cost of push.
 */
import { type ChildProcess, fork } from "node:child_process";
import { createECDH, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { setPriority, tmpdir } from "node:os";
import { join } from "node:path";
import { makeLoopbackCertificate } from "../../test/helpers/certificate.js";
import { onCleanup, onExitKill } from "./cleanup.js";
import type { SinkCommand, SinkReport } from "./push-sink-process.js";

export interface PushSink {
  /** https://127.0.0.1:PORT */
  origin: string;
  /** The CA file a server must trust (NODE_EXTRA_CA_CERTS) to reach the sink. */
  caFile: string;
  /** Pushes received in all (as last reported, at most a few tens of milliseconds old). */
  readonly received: number;
  /** Endpoints that received more than `expectedEach` pushes: the repeats in all. */
  repeatsOver(expectedEach: number): Promise<number>;
  /** performance.now() of the first and the latest push. */
  readonly firstAt: number;
  readonly lastAt: number;
  /** Starts counting afresh (a new phase). */
  reset(): Promise<void>;
  /** The browser side of subscription `n`: what `PushSubscription.toJSON()` gives. */
  subscription(n: number): { endpoint: string; keys: { p256dh: string; auth: string } };
  close(): Promise<void>;
}

const LOWEST_PRIORITY = 19;

export async function startPushSink(): Promise<PushSink> {
  const dir = mkdtempSync(join(tmpdir(), "chat-bench-push-"));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  const files = makeLoopbackCertificate(dir);
  const child: ChildProcess = fork(
    new URL("./push-sink-process.ts", import.meta.url),
    [files.cert, files.key],
    { stdio: ["ignore", "inherit", "inherit", "ipc"] },
  );
  const forget = onExitKill(() => child.kill("SIGKILL"));
  if (child.pid !== undefined) {
    try {
      setPriority(child.pid, LOWEST_PRIORITY);
    } catch {
      // Not allowed here: the sink shares the CPU evenly, and push looks costlier.
    }
  }
  let generation = 0;
  let counts = { received: 0, firstAt: 0, lastAt: 0 };
  let answer: ((repeats: number) => void) | undefined;
  const origin = await new Promise<string>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`the push sink exited (${code})`)));
    child.on("message", (report: SinkReport) => {
      if (report.type === "ready") resolve(report.origin);
      else if (report.type === "counts" && report.generation === generation) {
        // Converted to this process's performance.now().
        const local = (at: number) => (at === 0 ? 0 : at - performance.timeOrigin);
        counts = {
          received: report.received,
          firstAt: local(report.firstAt),
          lastAt: local(report.lastAt),
        };
      } else if (report.type === "repeats") answer?.(report.repeats);
    });
  });
  const command = (message: SinkCommand) => child.send(message);
  const close = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.disconnect();
    await exited;
    forget();
  };
  onCleanup(close);
  // Every subscription shares one key pair: encryption costs the server the same per push.
  const ecdh = createECDH("prime256v1");
  ecdh.generateKeys();
  const keys = {
    p256dh: ecdh.getPublicKey().toString("base64url"),
    auth: randomBytes(16).toString("base64url"),
  };
  return {
    origin,
    caFile: files.cert,
    get received() {
      return counts.received;
    },
    get firstAt() {
      return counts.firstAt;
    },
    get lastAt() {
      return counts.lastAt;
    },
    repeatsOver(expectedEach) {
      return new Promise((resolve) => {
        answer = resolve;
        command({ type: "repeats", expectedEach });
      });
    },
    async reset() {
      generation++;
      counts = { received: 0, firstAt: 0, lastAt: 0 };
      command({ type: "reset", generation });
    },
    subscription: (n) => ({ endpoint: `${origin}/push/${n}`, keys }),
    close,
  };
}
