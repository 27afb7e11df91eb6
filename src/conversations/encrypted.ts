/**
 * The rules an end-to-end encrypted conversation adds to its membership (docs/E2EE.md):
 * at most MAX_ENCRYPTED_MEMBERS people, since every device processes every commit, and
 * no bots, which have no devices and would need the plaintext.
 */
import { MAX_ENCRYPTED_MEMBERS } from "@private-chat/protocol/encrypted";
import { AppError } from "../errors.js";
import type { User } from "../storage/users.js";

export function botsCannotEncrypt(): AppError {
  return new AppError(
    "encryption_required",
    "bots cannot take part in end-to-end encrypted conversations: they have no devices",
  );
}

/** Refuses an encrypted group that would pass the size bound. */
export function checkEncryptedSize(members: number): void {
  if (members > MAX_ENCRYPTED_MEMBERS)
    throw new AppError(
      "invalid_request",
      `an end-to-end encrypted group has at most ${MAX_ENCRYPTED_MEMBERS} members`,
    );
}

/** Refuses to put a bot among an encrypted conversation's members. */
export function refuseBots(users: Iterable<User>): void {
  for (const user of users) if (user.isBot) throw botsCannotEncrypt();
}
