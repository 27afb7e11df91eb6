/**
 * The two ways senders send. Closed loop: each sender keeps at most K sends unanswered
 * and sends the next as soon as one is answered, until it has sent M. Open loop: a 1 ms
 * ticker releases sends at a fixed total rate, round robin over the senders, whatever
 * the answers; a sender already holding `cap` unanswered sends stalls the ticker (counted).
 */
import type { BenchSocket } from "./bench-socket.js";
import type { DeliveryTracker } from "./deliveries.js";

export interface Sender {
  socket: number;
  conversationId: string;
}

export interface Traffic {
  tracker: DeliveryTracker;
  sockets: BenchSocket[];
  senders: Sender[];
  bodyBytes: number;
  /** performance.now() time at which sending stops regardless. */
  deadline: number;
}

function bodyFor(index: number, bytes: number): string {
  const head = `m${index} `;
  return head + "x".repeat(Math.max(0, bytes - head.length));
}

/** Sending state shared by both drivers: unanswered sends per sender. */
function sendState(traffic: Traffic) {
  const { tracker, sockets, senders } = traffic;
  const inFlight = new Int32Array(senders.length);
  const senderOfSocket = new Map(senders.map((s, i) => [s.socket, i]));
  const send = (sender: number, index: number) => {
    const { conversationId, socket } = senders[sender] as Sender;
    const clientId = tracker.markSent(index, socket);
    inFlight[sender] = (inFlight[sender] ?? 0) + 1;
    const body = bodyFor(index, traffic.bodyBytes);
    sockets[socket]?.send(
      `{"type":"message.send","id":${index},"conversation_id":"${conversationId}","body":"${body}","client_id":"${clientId}"}`,
    );
  };
  const answered = (socket: number): number | undefined => {
    const sender = senderOfSocket.get(socket);
    if (sender !== undefined) inFlight[sender] = (inFlight[sender] ?? 0) - 1;
    return sender;
  };
  return { inFlight, send, answered };
}

/** Starts the closed loop; sending goes on from the answers, so this returns at once. */
export function startClosedLoop(traffic: Traffic, perSender: number, window: number): void {
  const { inFlight, send, answered } = sendState(traffic);
  const next = new Int32Array(traffic.senders.length);
  const pump = (sender: number) => {
    while ((inFlight[sender] ?? 0) < window && (next[sender] ?? 0) < perSender) {
      if (performance.now() >= traffic.deadline) return;
      const k = next[sender] ?? 0;
      next[sender] = k + 1;
      send(sender, sender * perSender + k);
    }
  };
  traffic.tracker.onAnswer = (socket) => {
    const sender = answered(socket);
    if (sender !== undefined) pump(sender);
  };
  for (let s = 0; s < traffic.senders.length; s++) pump(s);
}

/** Runs the open loop until `total` sends are out (or the deadline); returns the stalls. */
export function runOpenLoop(
  traffic: Traffic,
  rate: number,
  total: number,
  cap: number,
): Promise<number> {
  const { inFlight, send, answered } = sendState(traffic);
  const { tracker } = traffic;
  tracker.onAnswer = (socket) => {
    answered(socket);
  };
  const count = traffic.senders.length;
  let stalls = 0;
  const start = performance.now();
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      const now = performance.now();
      const due = Math.min(total, Math.floor(((now - start) * rate) / 1000) + 1);
      while (tracker.sent < due) {
        const sender = tracker.sent % count;
        if ((inFlight[sender] ?? 0) >= cap) {
          stalls += 1;
          break;
        }
        send(sender, tracker.sent);
      }
      if (tracker.sent >= total || now >= traffic.deadline) {
        clearInterval(timer);
        resolve(stalls);
      }
    }, 1);
  });
}
