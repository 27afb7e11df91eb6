/**
 * Single-use socket tickets, so a browser never has to put its access token in a URL:
 * POST /api/v1/socket-ticket, then open /socket?ticket=... within 30 s. A ticket is a
 * short-lived signed token; what makes it single-use is the record of redeemed ones,
 * kept in Redis when nodes share one (a ticket may be redeemed on another node).
 */
import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { AppError } from "../errors.js";
import type { Authenticated, AuthService } from "./service.js";
import { TICKET_LIFETIME_MS, type TokenService } from "./tokens.js";

export interface RedeemedTickets {
  /** Records the ticket; false when it was redeemed before. */
  claim(ticketId: string): Promise<boolean>;
}

export class MemoryRedeemedTickets implements RedeemedTickets {
  private readonly redeemed = new Map<string, number>();

  async claim(ticketId: string): Promise<boolean> {
    const now = Date.now();
    for (const [id, at] of this.redeemed) {
      if (now - at <= TICKET_LIFETIME_MS) break; // insertion order: the rest are newer
      this.redeemed.delete(id);
    }
    if (this.redeemed.has(ticketId)) return false;
    this.redeemed.set(ticketId, now);
    return true;
  }
}

export class RedisRedeemedTickets implements RedeemedTickets {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async claim(ticketId: string): Promise<boolean> {
    const result = await this.redis.set(
      `${this.prefix}ticket:${ticketId}`,
      "1",
      "PX",
      TICKET_LIFETIME_MS * 2,
      "NX",
    );
    return result === "OK";
  }
}

export class TicketService {
  constructor(
    private readonly tokens: TokenService,
    private readonly auth: AuthService,
    private readonly redeemed: RedeemedTickets,
  ) {}

  async issue(caller: Authenticated): Promise<{ ticket: string; expires_in: number }> {
    const ticket = await this.tokens.signTicket(
      caller.user.id,
      caller.session.id,
      randomUUID(),
      Date.now(),
    );
    return { ticket, expires_in: TICKET_LIFETIME_MS / 1000 };
  }

  /** Resolves a ticket to its live session, once. */
  async redeem(ticket: string): Promise<Authenticated> {
    const claims = await this.tokens.verifyTicket(ticket);
    if (!(await this.redeemed.claim(claims.ticketId))) {
      throw new AppError("unauthorized", "the socket ticket is invalid, expired or already used");
    }
    return this.auth.sessionOf(claims.userId, claims.sessionId);
  }
}
