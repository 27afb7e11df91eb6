/**
 * A bot's account: a user with an owner and no password. The one way bot accounts are
 * made, for bots and for incoming webhooks' own accounts alike.
 */
import { randomUUID } from "node:crypto";
import type { Repositories } from "../storage/store.js";
import type { User } from "../storage/users.js";

/** Never an argon2 hash: no password matches it (sign-in also refuses bots outright). */
const NO_PASSWORD = "!bot";

export function createBotAccount(
  tx: Repositories,
  account: { username: string; displayName: string; ownerId: string; now: number },
): Promise<User> {
  return tx.users.create({
    id: randomUUID(),
    username: account.username,
    displayName: account.displayName,
    passwordHash: NO_PASSWORD,
    admin: false,
    now: account.now,
    botOwnerId: account.ownerId,
  });
}
