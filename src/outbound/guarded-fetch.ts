/**
 * The one way the server makes HTTP requests to addresses that users chose (push
 * endpoints now; webhooks later). HTTPS only; the host is resolved and every address
 * checked when the connection is made (a `lookup` of our own on the agent, so a name
 * that changes its answer between a check and the connect cannot reach a private
 * address); redirects are never followed; a connect and a total deadline; a cap on the
 * response size. `allowPrivate` lifts the address check for tests and closed networks,
 * but the server's own listening address and port stay refused.
 */
import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { Agent, request } from "node:https";
import type { LookupFunction } from "node:net";
import { isIP } from "node:net";
import { canonicalAddress, classifyAddress } from "./address-policy.js";
import { RequestSlots } from "./request-slots.js";

export type OutboundFailure =
  | "not_https"
  | "invalid_url"
  | "forbidden_address"
  | "dns"
  | "connect_timeout"
  | "timeout"
  | "too_large"
  | "network";

export class OutboundError extends Error {
  constructor(
    readonly reason: OutboundFailure,
    message: string,
  ) {
    super(message);
    this.name = "OutboundError";
  }
}

export interface GuardOptions {
  /** Let loopback, private and link-local addresses through (tests, closed networks). */
  allowPrivate: boolean;
  /** This server's own listening addresses and port: never a destination. */
  self?: { addresses: string[]; port: number };
  connectTimeoutMs?: number;
  totalTimeoutMs?: number;
  maxResponseBytes?: number;
  /** The resolver (tests point names at chosen addresses); defaults to the system's. */
  resolve?: (host: string) => Promise<LookupAddress[]>;
}

export interface OutboundRequest {
  method: "GET" | "POST" | "PUT" | "DELETE";
  headers?: Record<string, string | number>;
  body?: Buffer | string;
}

export interface OutboundResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

const DEFAULTS = { connectTimeoutMs: 5_000, totalTimeoutMs: 10_000, maxResponseBytes: 64 * 1024 };
/** Open connections: per origin (a push service takes many pushes at once), and in all. */
const MAX_SOCKETS_PER_ORIGIN = 32;
const MAX_SOCKETS = 256;
/** A kept connection unused this long is closed. */
const IDLE_SOCKET_MS = 30_000;

function systemResolve(host: string): Promise<LookupAddress[]> {
  return new Promise((resolve, reject) => {
    dnsLookup(host, { all: true, verbatim: true }, (err, addresses) =>
      err ? reject(err) : resolve(addresses),
    );
  });
}

export class GuardedFetch {
  private readonly agent: Agent;
  private readonly slots = new RequestSlots(MAX_SOCKETS_PER_ORIGIN, MAX_SOCKETS);
  private readonly resolve: (host: string) => Promise<LookupAddress[]>;
  private selfAddresses: Set<string>;

  constructor(private readonly options: GuardOptions) {
    this.resolve = options.resolve ?? systemResolve;
    this.selfAddresses = new Set((options.self?.addresses ?? []).map(canonicalAddress));
    // Connections are kept and reused: a TLS handshake per push cost more than the
    // push. The check runs where a connection is made (the lookup below), so a reused
    // one goes only to an address that passed it. The lookup is given per request (with
    // its port): an agent's own would override it.
    this.agent = new Agent({
      keepAlive: true,
      maxSockets: MAX_SOCKETS_PER_ORIGIN,
      maxTotalSockets: MAX_SOCKETS,
      maxFreeSockets: MAX_SOCKETS_PER_ORIGIN,
      timeout: IDLE_SOCKET_MS,
      scheduling: "lifo",
    });
  }

  /** The server's own addresses and port, known once it listens (port 0 picks one). */
  setSelf(self: { addresses: string[]; port: number }): void {
    this.options.self = self;
    this.selfAddresses = new Set(self.addresses.map(canonicalAddress));
  }

  /** Why `address` (on `port`) may not be reached, or undefined when it may. */
  refusal(address: string, port: number): string | undefined {
    const self = this.options.self;
    const canonical = canonicalAddress(address);
    const kind = classifyAddress(canonical);
    const isSelf =
      this.selfAddresses.has(canonical) ||
      (self !== undefined && kind === "unspecified") ||
      (self !== undefined && this.selfAddresses.has("0.0.0.0") && kind === "loopback");
    if (isSelf && (!this.options.allowPrivate || port === self?.port)) {
      return `${address} is this server`;
    }
    if (kind === "invalid") return `${address} is not an IP address`;
    if (kind !== "public" && !this.options.allowPrivate) return `${address} is a ${kind} address`;
    return undefined;
  }

  /** Resolves `host` and checks every address it has; throws OutboundError when one is refused. */
  async checkHost(host: string, port: number): Promise<LookupAddress[]> {
    const bare = host.replace(/^\[|\]$/g, "");
    let addresses: LookupAddress[];
    if (isIP(bare)) addresses = [{ address: bare, family: isIP(bare) }];
    else {
      try {
        addresses = await this.resolve(bare);
      } catch (err) {
        throw new OutboundError("dns", `cannot resolve ${bare}: ${(err as Error).message}`);
      }
    }
    if (addresses.length === 0) throw new OutboundError("dns", `${bare} has no address`);
    for (const { address } of addresses) {
      const why = this.refusal(address, port);
      // One bad answer refuses the name: a resolver that mixes them is not to be trusted.
      if (why) throw new OutboundError("forbidden_address", `${bare}: ${why}`);
    }
    return addresses;
  }

  /** Checks a URL without connecting: HTTPS, and every address of its host allowed. */
  async checkUrl(text: string): Promise<URL> {
    const url = this.parse(text);
    await this.checkHost(url.hostname, Number(url.port || 443));
    return url;
  }

  private parse(text: string): URL {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new OutboundError("invalid_url", "not a URL");
    }
    if (url.protocol !== "https:")
      throw new OutboundError("not_https", "only https URLs are allowed");
    if (url.username || url.password)
      throw new OutboundError("invalid_url", "a URL with credentials is not allowed");
    return url;
  }

  /**
   * The resolver the TLS socket calls as it connects, for a request to `port` (the
   * resolver is not told the port): the addresses used are the ones checked.
   */
  private lookupFor(port: number): LookupFunction {
    return (hostname, options, callback) => this.lookup(hostname, port, options, callback);
  }

  private lookup(
    hostname: string,
    port: number,
    options: Parameters<LookupFunction>[1],
    callback: Parameters<LookupFunction>[2],
  ): void {
    this.checkHost(hostname, port).then(
      (addresses) => {
        if ((options as { all?: boolean }).all) {
          (callback as unknown as (err: null, list: LookupAddress[]) => void)(null, addresses);
        } else {
          const first = addresses[0] as LookupAddress;
          callback(null, first.address, first.family);
        }
      },
      (err: Error) => callback(err as NodeJS.ErrnoException, "", 0),
    );
  }

  /** Sends one request; a redirect comes back as the response it is, never followed. */
  async send(text: string, init: OutboundRequest): Promise<OutboundResponse> {
    const url = this.parse(text);
    const port = Number(url.port || 443);
    const host = url.hostname.replace(/^\[|\]$/g, "");
    // An IP literal never reaches the agent's lookup, so it is checked here.
    if (isIP(host)) await this.checkHost(host, port);
    const connectMs = this.options.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs;
    const totalMs = this.options.totalTimeoutMs ?? DEFAULTS.totalTimeoutMs;
    const maxBytes = this.options.maxResponseBytes ?? DEFAULTS.maxResponseBytes;
    // The timers start once a connection is there for this request.
    const freeSlot = await this.slots.acquire(`${host}:${port}`);
    const answer = new Promise<OutboundResponse>((resolve, reject) => {
      let settled = false;
      const fail = (err: OutboundError) => {
        if (settled) return;
        settled = true;
        clearTimeout(total);
        clearTimeout(connect);
        req.destroy();
        reject(err);
      };
      const req = request({
        protocol: "https:",
        host,
        port,
        path: `${url.pathname}${url.search}`,
        method: init.method,
        headers: init.headers,
        agent: this.agent,
        lookup: this.lookupFor(port),
        servername: isIP(host) ? undefined : host,
      });
      const total = setTimeout(
        () => fail(new OutboundError("timeout", `no complete answer within ${totalMs} ms`)),
        totalMs,
      );
      const connect = setTimeout(
        () => fail(new OutboundError("connect_timeout", `no connection within ${connectMs} ms`)),
        connectMs,
      );
      req.on("socket", (socket) => {
        // A kept connection is connected already and says so no more.
        if (req.reusedSocket) clearTimeout(connect);
        else socket.once("secureConnect", () => clearTimeout(connect));
      });
      req.on("error", (err) => {
        if (err instanceof OutboundError) fail(err);
        else if ((err as NodeJS.ErrnoException).code === "ENOTFOUND")
          fail(new OutboundError("dns", err.message));
        else fail(new OutboundError("network", err.message));
      });
      req.on("response", (res) => {
        clearTimeout(connect);
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) {
            fail(new OutboundError("too_large", `the answer is larger than ${maxBytes} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        res.on("error", (err) => fail(new OutboundError("network", err.message)));
        res.on("end", () => {
          if (settled) return;
          settled = true;
          clearTimeout(total);
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
          });
        });
      });
      req.end(init.body);
    });
    return answer.finally(freeSlot);
  }

  close(): void {
    this.agent.destroy();
  }
}
