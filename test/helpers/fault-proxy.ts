/**
 * A server that misbehaves towards one device (docs/E2EE.md, "Ordering and forks"): an
 * HTTP and WebSocket proxy on 127.0.0.1 in front of the real server, which passes every
 * request and frame through as it is, except that it can show the device a false
 * sequence of one conversation's messages: one withheld (a gap in the seqs), one dropped
 * with the later ones each moved up a seq (no gap shows), two shown in each other's
 * place, or an earlier one shown again in a later one's place. It rewrites alike every
 * place the device sees the conversation's messages: history pages and sync events over
 * REST, and the socket's event frames (live and replayed), so the device sees one false
 * sequence, as a server that meant it would show, and only its own checks can catch it.
 * With `record`, it also keeps what the server sent through it, to be searched.
 */
import http from "node:http";
import net from "node:net";
import { type Recorded, recorder } from "./recording.js";

/**
 * What the device is shown of the conversation, as which message of the server's
 * sequence stands at each seq.
 */
export type SequenceFault =
  /** These seqs are missing: the seqs around them show a gap. */
  | { withhold: number[] }
  /** This seq's message is missing, and each later one is shown a seq earlier. */
  | { drop: number }
  /** The messages at these two seqs are shown in each other's place. */
  | { swap: [number, number] }
  /** The message at `replay` is shown again at `at`, in place of the one there. */
  | { replay: number; at: number };

export interface FaultProxy {
  /** The proxy's base URL, for the one device it misleads. */
  url: string;
  /**
   * Shows `conversationId` to the device with `fault` from now on, or (`times`) in that
   * many answers and frames it changes, then honestly again.
   */
  spoil(conversationId: string, fault: SequenceFault, options?: { times?: number }): void;
  /** Passes everything through as the server sent it again. */
  honest(): void;
  /** How many answers and frames the faults changed so far. */
  spoiled(): number;
  /** With `record`: every answer's body and socket's stream from the server so far. */
  recorded(): Recorded[];
  close(): Promise<void>;
}

interface Message {
  conversation_id: string;
  seq: number;
  [key: string]: unknown;
}

const HISTORY = /^\/api\/v1\/conversations\/([^/]+)\/messages$/;
const PAGE = 100;

/** The seq whose message the device is shown at `seq`; undefined: none. */
function shownAt(fault: SequenceFault, seq: number): number | undefined {
  if ("withhold" in fault) return fault.withhold.includes(seq) ? undefined : seq;
  if ("drop" in fault) return seq < fault.drop ? seq : seq + 1;
  if ("swap" in fault) {
    const [a, b] = fault.swap;
    return seq === a ? b : seq === b ? a : seq;
  }
  return seq === fault.at ? fault.replay : seq;
}

function isMessage(value: unknown): value is Message {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.conversation_id === "string" && typeof v.seq === "number";
}

export async function startFaultProxy(
  targetUrl: string,
  options: { record?: boolean } = {},
): Promise<FaultProxy> {
  const target = new URL(targetUrl);
  const record = recorder(options.record === true);
  const sockets = new Set<net.Socket>();
  let active: { conversationId: string; fault: SequenceFault; left: number } | undefined;
  let spoiled = 0;
  /** The device's credentials, as its last request carried them: the proxy reads with them. */
  let authorization: string | undefined;

  /** The server's whole sequence of the conversation, as the device may read it. */
  async function realSequence(conversationId: string): Promise<Map<number, Message>> {
    const found = new Map<number, Message>();
    let after = 0;
    for (;;) {
      const url = new URL(
        `/api/v1/conversations/${encodeURIComponent(conversationId)}/messages`,
        target,
      );
      url.search = new URLSearchParams({ after: String(after), limit: String(PAGE) }).toString();
      const res = await fetch(url, {
        headers: authorization ? { authorization } : {},
      });
      if (!res.ok) throw new Error(`the proxy could not read the history: ${res.status}`);
      const { messages } = (await res.json()) as { messages: Message[] };
      for (const m of messages) found.set(m.seq, m);
      const last = messages.at(-1);
      if (!last || messages.length < PAGE) return found;
      after = last.seq;
    }
  }

  /**
   * `messages` as the fault shows them (undefined for one not shown): each seq holds the
   * message the fault puts there, under that seq. Counted once for the whole answer.
   */
  async function falsify<T>(
    items: T[],
    messageOf: (item: T) => unknown,
    withMessage: (item: T, message: Message) => T,
  ): Promise<T[]> {
    const spoil = active;
    if (!spoil || spoil.left <= 0) return items;
    const shown = (m: unknown) =>
      isMessage(m) && m.conversation_id === spoil.conversationId
        ? shownAt(spoil.fault, m.seq)
        : isMessage(m)
          ? m.seq
          : undefined;
    const touched = items.some((item) => {
      const m = messageOf(item);
      return isMessage(m) && shown(m) !== m.seq;
    });
    if (!touched) return items;
    const real = await realSequence(spoil.conversationId);
    const out: T[] = [];
    for (const item of items) {
      const m = messageOf(item);
      if (!isMessage(m) || m.conversation_id !== spoil.conversationId) {
        out.push(item);
        continue;
      }
      const from = shown(m);
      const source = from === undefined ? undefined : real.get(from);
      if (source) out.push(withMessage(item, { ...source, seq: m.seq }));
    }
    spoil.left--;
    spoiled++;
    if (spoil.left <= 0 && active === spoil) active = undefined;
    return out;
  }

  /** A history page, a sync answer or an event frame, as the device is to see it. */
  async function rewrite(kind: "history" | "sync" | "frame", text: string): Promise<string> {
    if (!active) return text;
    const body = JSON.parse(text) as Record<string, unknown>;
    if (kind === "history" && Array.isArray(body.messages)) {
      body.messages = await falsify(
        body.messages as Message[],
        (m) => m,
        (_m, shown) => shown,
      );
      return JSON.stringify(body);
    }
    if (kind === "sync" && Array.isArray(body.events)) {
      body.events = await falsify(
        body.events as Record<string, unknown>[],
        (e) => e.message,
        (e, shown) => ({ ...e, message: shown }),
      );
      return JSON.stringify(body);
    }
    if (kind === "frame" && "message" in body && "cursor" in body && body.type !== "ack") {
      const [kept] = await falsify(
        [body],
        (e) => e.message,
        (e, shown) => ({ ...e, message: shown }),
      );
      return kept ? JSON.stringify(kept) : "";
    }
    return text;
  }

  const server = http.createServer((req, res) => {
    if (req.headers.authorization) authorization = req.headers.authorization;
    const path = new URL(req.url ?? "/", target).pathname;
    const kind =
      req.method !== "GET"
        ? undefined
        : HISTORY.test(path)
          ? ("history" as const)
          : path === "/api/v1/sync"
            ? ("sync" as const)
            : undefined;
    const headers = { ...req.headers };
    // Read as plain JSON, to rewrite or search.
    if (kind || options.record) headers["accept-encoding"] = "identity";
    const upstream = http.request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers,
        // A connection of its own: a kept-alive one that the server closes as idle just
        // when it is reused fails the request, and the client sees the server unreachable.
        agent: false,
      },
      (answer) => {
        const encoding = answer.headers["content-encoding"];
        record.keep(`${req.method} ${path} ${answer.statusCode}`, answer, encoding);
        if (!kind || answer.statusCode !== 200) {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
          return;
        }
        const chunks: Buffer[] = [];
        answer.on("data", (c: Buffer) => chunks.push(c));
        answer.on("end", () => {
          rewrite(kind, Buffer.concat(chunks).toString("utf8")).then(
            (text) => {
              const out = { ...answer.headers, "content-length": String(Buffer.byteLength(text)) };
              delete out["transfer-encoding"];
              res.writeHead(200, out);
              res.end(text);
            },
            () => res.destroy(),
          );
        });
      },
    );
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  });

  server.on("upgrade", (req, client: net.Socket, head: Buffer) => {
    const query = new URL(req.url ?? "/", target).searchParams.get("token");
    const protocol = String(req.headers["sec-websocket-protocol"] ?? "")
      .split(",")
      .map((p) => p.trim())
      .find((p) => p.startsWith("bearer."));
    if (query) authorization = `Bearer ${query}`;
    else if (protocol) authorization = `Bearer ${protocol.slice("bearer.".length)}`;
    const upstream = net.connect(Number(target.port), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => {});
    }
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
    const lines = [`${req.method} ${req.url} HTTP/1.1`];
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      const name = req.rawHeaders[i] as string;
      // Frames stay uncompressed, to be read and rewritten.
      if (name.toLowerCase() === "sec-websocket-extensions") continue;
      lines.push(`${name}: ${req.rawHeaders[i + 1]}`);
    }
    // Unfragmented and uncompressed (no extension), each frame's payload lies whole in it.
    record.keep(`socket ${new URL(req.url ?? "/", target).pathname}`, upstream);
    upstream.write(`${lines.join("\r\n")}\r\n\r\n`);
    if (head.length > 0) upstream.write(head);
    client.pipe(upstream);
    relayFrames(upstream, client, (text) => rewrite("frame", text));
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    spoil(conversationId, fault, options = {}) {
      active = { conversationId, fault, left: options.times ?? Number.POSITIVE_INFINITY };
    },
    honest() {
      active = undefined;
    },
    spoiled: () => spoiled,
    recorded: record.recorded,
    close() {
      for (const s of sockets) s.destroy();
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Passes the server's side of a socket to the device: the handshake's answer as it is,
 * then each frame, a whole text frame (an event) through `rewrite` ("" drops it), in
 * order. The server sends each message as one unmasked frame (no extension was asked).
 */
function relayFrames(
  from: net.Socket,
  to: net.Socket,
  rewrite: (text: string) => Promise<string>,
): void {
  let pending = Buffer.alloc(0);
  let upgraded = false;
  let passThrough = false;
  let queue = Promise.resolve();
  const send = (bytes: Buffer) => {
    queue = queue.then(() => {
      if (!to.destroyed) to.write(bytes);
    });
  };
  from.on("data", (chunk: Buffer) => {
    if (passThrough) {
      send(chunk);
      return;
    }
    pending = Buffer.concat([pending, chunk]);
    if (!upgraded) {
      const end = pending.indexOf("\r\n\r\n");
      if (end < 0) return;
      const answer = pending.subarray(0, end + 4);
      send(answer);
      pending = pending.subarray(end + 4);
      upgraded = true;
      // A refused handshake (4xx) is no socket: the rest goes as it is.
      if (!answer.toString("latin1").startsWith("HTTP/1.1 101")) {
        passThrough = true;
        if (pending.length > 0) send(pending);
        return;
      }
    }
    for (;;) {
      const frame = nextFrame(pending);
      if (!frame) return;
      pending = pending.subarray(frame.length);
      const bytes = Buffer.from(frame.bytes);
      if (!frame.text) {
        send(bytes);
        continue;
      }
      const text = frame.text;
      queue = queue.then(async () => {
        const out = await rewrite(text).catch(() => text);
        if (out !== "" && !to.destroyed) to.write(textFrame(out));
      });
    }
  });
  from.on("end", () => {
    void queue.then(() => to.end());
  });
}

/** The first whole frame of `buffer`, with its text when it is one whole text message. */
function nextFrame(buffer: Buffer): { length: number; bytes: Buffer; text?: string } | undefined {
  if (buffer.length < 2) return undefined;
  const first = buffer[0] as number;
  const second = buffer[1] as number;
  let size = second & 0x7f;
  let offset = 2;
  if (size === 126) {
    if (buffer.length < 4) return undefined;
    size = buffer.readUInt16BE(2);
    offset = 4;
  } else if (size === 127) {
    if (buffer.length < 10) return undefined;
    size = Number(buffer.readBigUInt64BE(2));
    offset = 10;
  }
  const masked = (second & 0x80) !== 0;
  const start = offset + (masked ? 4 : 0);
  const length = start + size;
  if (buffer.length < length) return undefined;
  const bytes = buffer.subarray(0, length);
  const wholeText = (first & 0x80) !== 0 && (first & 0x0f) === 1 && !masked;
  return {
    length,
    bytes,
    ...(wholeText ? { text: buffer.subarray(start, length).toString("utf8") } : {}),
  };
}

/** One unmasked, final text frame. */
function textFrame(text: string): Buffer {
  const payload = Buffer.from(text, "utf8");
  const size = payload.length;
  const header =
    size < 126
      ? Buffer.from([0x81, size])
      : size < 0x10000
        ? Buffer.from([0x81, 126, size >> 8, size & 0xff])
        : Buffer.concat([Buffer.from([0x81, 127]), bigEndian64(size)]);
  return Buffer.concat([header, payload]);
}

function bigEndian64(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
}
