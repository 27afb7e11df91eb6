/**
 * A push service double on 127.0.0.1 over HTTPS, and the browser's side of a push
 * subscription: a P-256 key pair and an auth secret made in the test. Every push the
 * server sends is decrypted here with the subscription's private key (RFC 8291,
 * `aes128gcm`) and its VAPID token (RFC 8292) verified, so a test sees what a browser
 * would: the payload, and the headers a push service acts on.
 */
import {
  createDecipheriv,
  createECDH,
  createPublicKey,
  hkdfSync,
  randomBytes,
  randomUUID,
  verify,
} from "node:crypto";
import { createServer, type Server } from "node:https";

/** The browser's side of one subscription. */
export interface Subscriber {
  id: string;
  endpoint: string;
  /** What the browser's `PushSubscription.toJSON()` would give. */
  json: { endpoint: string; expirationTime: null; keys: { p256dh: string; auth: string } };
  privateKey: Buffer;
  publicKey: Buffer;
  auth: Buffer;
}

export interface ReceivedPush {
  subscriber: string;
  payload: unknown;
  headers: Record<string, string | string[] | undefined>;
  jwt: { aud: string; exp: number; sub: string };
  vapidKey: string;
  at: number;
}

/** What the double answers a push with: a status and headers, or no answer at all. */
export type Answer = { status: number; headers?: Record<string, string> } | "hang";

/** One request that reached the double, decrypted, whatever it was answered. */
export interface Attempt {
  subscriber: string;
  payload: unknown;
  topic: string | undefined;
  answer: Answer;
}

/** Decrypts an `aes128gcm` body (RFC 8188 + RFC 8291 §3.4) for the subscriber. */
export function decryptPush(
  body: Buffer,
  subscriber: Pick<Subscriber, "privateKey" | "publicKey" | "auth">,
): Buffer {
  const salt = body.subarray(0, 16);
  const recordSize = body.readUInt32BE(16);
  const idLength = body[20] ?? 0;
  const senderKey = body.subarray(21, 21 + idLength);
  const ciphertext = body.subarray(21 + idLength);
  if (ciphertext.length > recordSize) throw new Error("more than one record");
  const ecdh = createECDH("prime256v1");
  ecdh.setPrivateKey(subscriber.privateKey);
  const shared = ecdh.computeSecret(senderKey);
  const keyInfo = Buffer.concat([Buffer.from("WebPush: info\0"), subscriber.publicKey, senderKey]);
  const ikm = Buffer.from(hkdfSync("sha256", shared, subscriber.auth, keyInfo, 32));
  const cek = Buffer.from(
    hkdfSync("sha256", ikm, salt, Buffer.from("Content-Encoding: aes128gcm\0"), 16),
  );
  const nonce = Buffer.from(
    hkdfSync("sha256", ikm, salt, Buffer.from("Content-Encoding: nonce\0"), 12),
  );
  const decipher = createDecipheriv("aes-128-gcm", cek, nonce);
  decipher.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
  const padded = Buffer.concat([
    decipher.update(ciphertext.subarray(0, ciphertext.length - 16)),
    decipher.final(),
  ]);
  // The last record ends with the delimiter 0x02, then zero padding.
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end -= 1;
  if (padded[end] !== 2) throw new Error("no last-record delimiter");
  return padded.subarray(0, end);
}

/** Verifies a VAPID `Authorization: vapid t=..., k=...` header; returns the token's claims. */
export function verifyVapid(header: string | undefined): {
  claims: ReceivedPush["jwt"];
  key: string;
} {
  const match = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(header ?? "");
  if (!match?.[1] || !match[2]) throw new Error(`not a VAPID authorization: ${header}`);
  const [head, body, signature] = match[1].split(".");
  if (!head || !body || !signature) throw new Error("not a JWT");
  const raw = Buffer.from(match[2], "base64url");
  const key = createPublicKey({
    format: "jwk",
    key: {
      kty: "EC",
      crv: "P-256",
      x: raw.subarray(1, 33).toString("base64url"),
      y: raw.subarray(33, 65).toString("base64url"),
    },
  });
  const ok = verify(
    "sha256",
    Buffer.from(`${head}.${body}`),
    { key, dsaEncoding: "ieee-p1363" },
    Buffer.from(signature, "base64url"),
  );
  if (!ok) throw new Error("the VAPID signature does not verify");
  const header64 = JSON.parse(Buffer.from(head, "base64url").toString()) as { alg: string };
  if (header64.alg !== "ES256") throw new Error(`alg ${header64.alg}`);
  return { claims: JSON.parse(Buffer.from(body, "base64url").toString()), key: match[2] };
}

export function makeSubscriberKeys(): Pick<Subscriber, "privateKey" | "publicKey" | "auth"> {
  const ecdh = createECDH("prime256v1");
  const publicKey = ecdh.generateKeys();
  return { privateKey: ecdh.getPrivateKey(), publicKey, auth: randomBytes(16) };
}

export class PushServiceDouble {
  readonly received: ReceivedPush[] = [];
  readonly attempts: Attempt[] = [];
  /** How long the double takes before it answers each push (a slow push service). */
  delayMs = 0;
  /** Requests that arrived, decrypted or not, by subscriber id. */
  readonly arrivals = new Map<string, number>();
  /** Problems found in a request (bad encryption or token): a test asserts it stays empty. */
  readonly problems: string[] = [];
  private readonly subscribers = new Map<string, Subscriber>();
  private readonly answers = new Map<string, Answer[]>();
  private readonly waiters: {
    match: (p: ReceivedPush) => boolean;
    resolve: (p: ReceivedPush) => void;
  }[] = [];
  private server: Server | undefined;
  private hung: { destroy(): void }[] = [];
  origin = "";

  constructor(private readonly tls: { cert: string; key: string }) {}

  async start(): Promise<void> {
    this.server = createServer({ cert: this.tls.cert, key: this.tls.key }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const id = (req.url ?? "").replace(/^\/push\//, "");
        this.arrivals.set(id, (this.arrivals.get(id) ?? 0) + 1);
        const answer = this.answers.get(id)?.shift() ?? { status: 201 };
        const subscriber = this.subscribers.get(id);
        const body = Buffer.concat(chunks);
        if (subscriber) this.record(subscriber, req.headers, body, answer);
        if (answer === "hang") {
          this.hung.push(res.socket as unknown as { destroy(): void });
          return;
        }
        if (answer.status === 201 && subscriber) this.accept(subscriber, req.headers, body);
        setTimeout(() => res.writeHead(answer.status, answer.headers).end(), this.delayMs);
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
    const port = (this.server.address() as { port: number }).port;
    this.origin = `https://127.0.0.1:${port}`;
  }

  private record(
    subscriber: Subscriber,
    headers: ReceivedPush["headers"],
    body: Buffer,
    answer: Answer,
  ): void {
    try {
      const payload = JSON.parse(decryptPush(body, subscriber).toString("utf8"));
      const topic = typeof headers.topic === "string" ? headers.topic : undefined;
      this.attempts.push({ subscriber: subscriber.id, payload, topic, answer });
    } catch (err) {
      this.problems.push(`${subscriber.id}: ${(err as Error).message}`);
    }
  }

  private accept(subscriber: Subscriber, headers: ReceivedPush["headers"], body: Buffer): void {
    try {
      if (headers["content-encoding"] !== "aes128gcm") throw new Error("not aes128gcm");
      const { claims, key } = verifyVapid(headers.authorization as string | undefined);
      const payload = JSON.parse(decryptPush(body, subscriber).toString("utf8"));
      const push: ReceivedPush = {
        subscriber: subscriber.id,
        payload,
        headers,
        jwt: claims,
        vapidKey: key,
        at: Date.now(),
      };
      this.received.push(push);
      for (const waiter of [...this.waiters]) {
        if (waiter.match(push)) {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          waiter.resolve(push);
        }
      }
    } catch (err) {
      this.problems.push(`${subscriber.id}: ${(err as Error).message}`);
    }
  }

  /** A new browser subscription whose endpoint is on this double. */
  subscriber(): Subscriber {
    const id = randomUUID();
    const keys = makeSubscriberKeys();
    const endpoint = `${this.origin}/push/${id}`;
    const subscriber: Subscriber = {
      id,
      endpoint,
      ...keys,
      json: {
        endpoint,
        expirationTime: null,
        keys: {
          p256dh: keys.publicKey.toString("base64url"),
          auth: keys.auth.toString("base64url"),
        },
      },
    };
    this.subscribers.set(id, subscriber);
    return subscriber;
  }

  /** Answers the next pushes to `subscriber` like this, in order; then 201. */
  answer(subscriber: Subscriber, ...answers: Answer[]): void {
    this.answers.set(subscriber.id, [...(this.answers.get(subscriber.id) ?? []), ...answers]);
  }

  /** Waits for a decrypted push matching `match` (one already received counts). */
  next(match: (push: ReceivedPush) => boolean, timeoutMs = 20_000): Promise<ReceivedPush> {
    const found = this.received.find(match);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(`no such push within ${timeoutMs} ms; problems: ${this.problems.join("; ")}`),
          ),
        timeoutMs,
      );
      this.waiters.push({
        match,
        resolve: (push) => {
          clearTimeout(timer);
          resolve(push);
        },
      });
    });
  }

  pushesTo(subscriber: Subscriber): ReceivedPush[] {
    return this.received.filter((p) => p.subscriber === subscriber.id);
  }

  async stop(): Promise<void> {
    for (const socket of this.hung) socket.destroy();
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}
