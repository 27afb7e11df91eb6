/**
 * A push service stand-in for the benchmark: an HTTPS server on 127.0.0.1 that answers
 * every push 201 Created, as a browser vendor's service does, and counts what arrives
 * per subscription endpoint. It does not decrypt: the tests' double (test/helpers/
 * push-double.ts) checks the payloads; here only the rate and the count matter, and the
 * sink must cost the measured server as little as possible.
 */
import { createECDH, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeLoopbackCertificate } from "../../test/helpers/certificate.js";
import { onCleanup } from "./cleanup.js";

export interface PushSink {
  /** https://127.0.0.1:PORT */
  origin: string;
  /** The CA file a server must trust (NODE_EXTRA_CA_CERTS) to reach the sink. */
  caFile: string;
  /** Pushes received in all. */
  readonly received: number;
  /** Endpoints that received more than `expectedEach` pushes: the repeats in all. */
  repeatsOver(expectedEach: number): number;
  /** performance.now() of the first and the latest push. */
  readonly firstAt: number;
  readonly lastAt: number;
  /** Starts counting afresh (a new phase). */
  reset(): void;
  /** The browser side of subscription `n`: what `PushSubscription.toJSON()` gives. */
  subscription(n: number): { endpoint: string; keys: { p256dh: string; auth: string } };
  close(): Promise<void>;
}

export async function startPushSink(): Promise<PushSink> {
  const dir = mkdtempSync(join(tmpdir(), "chat-bench-push-"));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  const files = makeLoopbackCertificate(dir);
  let perEndpoint = new Map<string, number>();
  let received = 0;
  let firstAt = 0;
  let lastAt = 0;
  const server: Server = createServer(
    { cert: readFileSync(files.cert), key: readFileSync(files.key) },
    (request, response) => {
      request.resume();
      request.on("end", () => {
        const now = performance.now();
        if (received === 0) firstAt = now;
        lastAt = now;
        received++;
        const path = request.url ?? "";
        perEndpoint.set(path, (perEndpoint.get(path) ?? 0) + 1);
        response.writeHead(201, { location: `${path}/m/${received}` }).end();
      });
    },
  );
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // Every subscription shares one key pair: encryption costs the server the same per push.
  const ecdh = createECDH("prime256v1");
  ecdh.generateKeys();
  const keys = {
    p256dh: ecdh.getPublicKey().toString("base64url"),
    auth: randomBytes(16).toString("base64url"),
  };
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  onCleanup(close);
  return {
    origin,
    caFile: files.cert,
    get received() {
      return received;
    },
    get firstAt() {
      return firstAt;
    },
    get lastAt() {
      return lastAt;
    },
    repeatsOver(expectedEach) {
      let repeats = 0;
      for (const count of perEndpoint.values()) repeats += Math.max(0, count - expectedEach);
      return repeats;
    },
    reset() {
      perEndpoint = new Map();
      received = 0;
      firstAt = 0;
      lastAt = 0;
    },
    subscription: (n) => ({ endpoint: `${origin}/push/${n}`, keys }),
    close,
  };
}
