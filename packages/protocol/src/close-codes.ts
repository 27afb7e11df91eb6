/**
 * The socket close codes: what each means and what a client should do after it. The
 * server closes with the codes named in CLOSE_CODES; clients decide from `closeAdvice`
 * whether to reconnect and whether to sign in first.
 */

export interface CloseCode {
  code: number;
  meaning: string;
  /** Whether to open a new socket (after a backoff delay) and resume. */
  reconnect: boolean;
  /** Whether a new token is needed first: reconnecting with the old one is refused. */
  reauthenticate: boolean;
  /**
   * The least a client waits before reconnecting, whatever its backoff says: for a close
   * that an immediate retry would only repeat.
   */
  minReconnectDelayMs?: number;
}

export const closeCodeCatalogue = {
  normal: {
    code: 1000,
    // The server never closes with 1000, so one the client did not ask for came from
    // something in between (a proxy, a load balancer): worth reconnecting.
    meaning: "a normal close; the client leaves with it, the server never sends it",
    reconnect: true,
    reauthenticate: false,
  },
  goingAway: {
    code: 1001,
    // A draining node (a rolling upgrade) closes with this once the socket's sends are
    // acked: reconnecting at once reaches another node, and resumes from the cursor.
    meaning: "the server is stopping or draining; reconnect, another node takes the socket",
    reconnect: true,
    reauthenticate: false,
  },
  abnormal: {
    code: 1006,
    meaning: "the connection dropped without a close frame (network, slow consumer, heartbeat)",
    reconnect: true,
    reauthenticate: false,
  },
  policyViolation: {
    code: 1008,
    meaning: "the client sent frames faster than its budget allows",
    reconnect: true,
    reauthenticate: false,
  },
  tooBig: {
    code: 1009,
    meaning: "the client sent a frame larger than 64 KiB",
    reconnect: true,
    reauthenticate: false,
  },
  internalError: {
    code: 1011,
    meaning: "setting up the socket failed on the server",
    reconnect: true,
    reauthenticate: false,
  },
  noPong: {
    code: 4000,
    meaning: "closed by the client: the server stopped answering pings (never sent by the server)",
    reconnect: true,
    reauthenticate: false,
  },
  tooManySockets: {
    code: 4429,
    // The user's other sockets may close (a tab shut, a device offline), so the client
    // tries again, but slowly: at once, the same cap would refuse it again.
    meaning:
      "the user already holds as many open sockets as the server allows ([limits] sockets_per_user)",
    reconnect: true,
    reauthenticate: false,
    minReconnectDelayMs: 60_000,
  },
  tryAgainLater: {
    code: 1013,
    // A reconnect storm: the node sets up a bounded number of sockets at once and spreads
    // the others over the next seconds instead of letting them all return together.
    meaning:
      "the node is setting up as many sockets as it can at once; reconnect after the reason's retry_after_ms",
    reconnect: true,
    reauthenticate: false,
    minReconnectDelayMs: 1_000,
  },
  authentication: {
    code: 4401,
    meaning: "the token was refused, expired or its session ended",
    reconnect: false,
    reauthenticate: true,
  },
} as const satisfies Record<string, CloseCode>;

export type CloseCodeName = keyof typeof closeCodeCatalogue;

/** The numbers by name, for the side that closes. */
export const CLOSE_CODES = Object.fromEntries(
  Object.entries(closeCodeCatalogue).map(([name, entry]) => [name, entry.code]),
) as { readonly [K in CloseCodeName]: (typeof closeCodeCatalogue)[K]["code"] };

/**
 * What to do after a close with `code`. A code not in the catalogue (a proxy's, or a
 * newer server's) is treated as a dropped connection: reconnect with backoff.
 */
export function closeAdvice(code: number): CloseCode & { name: CloseCodeName | "unknown" } {
  for (const [name, entry] of Object.entries(closeCodeCatalogue)) {
    if (entry.code === code) return { name: name as CloseCodeName, ...entry };
  }
  return {
    name: "unknown",
    code,
    meaning: "not a code this protocol defines",
    reconnect: true,
    reauthenticate: false,
  };
}

/** How a close reason tells when to come back: `retry_after_ms=<milliseconds>`. */
export const RETRY_AFTER_HINT = "retry_after_ms";

/** The delay a close reason asks for (at most a minute), or undefined when it names none. */
export function retryAfterOf(reason: string): number | undefined {
  const match = new RegExp(`${RETRY_AFTER_HINT}=(\\d{1,9})`).exec(reason);
  return match?.[1] === undefined ? undefined : Math.min(Number(match[1]), 60_000);
}
