/**
 * User accounts: creation, lookup by id or name, directory search, and the flags an
 * administrator changes.
 */
import type { Kysely, Selectable } from "kysely";
import { AppError } from "../errors.js";
import { isUniqueViolation } from "./errors.js";
import type { Database, UsersTable } from "./schema.js";

export interface User {
  id: string;
  username: string;
  displayName: string;
  isAdmin: boolean;
  disabled: boolean;
  createdAt: number;
  lastSeenAt: number | null;
  /** Set when the account was deleted: its name and password are gone for good. */
  deletedAt: number | null;
  isBot: boolean;
  /** A bot's owner: the person who made it. Null for a person's account. */
  ownerId: string | null;
  /** Whether the account has a second factor (a confirmed TOTP secret or a passkey). */
  secondFactor: boolean;
}

export interface UserWithHash extends User {
  passwordHash: string;
}

export interface NewUser {
  id: string;
  username: string;
  displayName: string;
  passwordHash: string;
  /** "first" makes the account an admin only when it is the first one on the server. */
  admin: boolean | "first";
  now: number;
  /** A bot's owner; makes the account a bot. */
  botOwnerId?: string;
}

function toUser(row: Selectable<UsersTable>): UserWithHash {
  return {
    id: row.id,
    username: row.username,
    displayName: row.display_name,
    isAdmin: row.is_admin === 1,
    disabled: row.disabled === 1,
    createdAt: row.created_at,
    lastSeenAt: row.last_seen_at,
    deletedAt: row.deleted_at ?? null,
    isBot: row.is_bot === 1,
    ownerId: row.owner_id ?? null,
    secondFactor: row.second_factor === 1,
    passwordHash: row.password_hash,
  };
}

export function withoutHash(user: UserWithHash): User {
  const { passwordHash: _hidden, ...rest } = user;
  return rest;
}

export class UserStore {
  constructor(private readonly db: Kysely<Database>) {}

  async create(input: NewUser): Promise<User> {
    let isAdmin = input.admin === true ? 1 : 0;
    if (input.admin === "first") {
      const existing = await this.db.selectFrom("users").select("id").limit(1).executeTakeFirst();
      isAdmin = existing ? 0 : 1;
    }
    try {
      await this.db
        .insertInto("users")
        .values({
          id: input.id,
          username: input.username,
          username_lower: input.username.toLowerCase(),
          display_name: input.displayName,
          password_hash: input.passwordHash,
          is_admin: isAdmin,
          disabled: 0,
          created_at: input.now,
          last_seen_at: null,
          // Only a bot names these columns: a person's account stays writable on a
          // database from before them (the migration tests build such data).
          ...(input.botOwnerId ? { is_bot: 1, owner_id: input.botOwnerId } : {}),
        })
        .execute();
    } catch (err) {
      if (isUniqueViolation(err)) {
        throw new AppError("username_taken", `the username "${input.username}" is taken`);
      }
      throw err;
    }
    const created = await this.byId(input.id);
    if (!created) throw new Error("user vanished after insert");
    return withoutHash(created);
  }

  async byId(id: string): Promise<UserWithHash | undefined> {
    const row = await this.db
      .selectFrom("users")
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirst();
    return row ? toUser(row) : undefined;
  }

  async byIds(ids: string[]): Promise<Map<string, User>> {
    const result = new Map<string, User>();
    const unique = [...new Set(ids)];
    for (let i = 0; i < unique.length; i += 500) {
      const rows = await this.db
        .selectFrom("users")
        .selectAll()
        .where("id", "in", unique.slice(i, i + 500))
        .execute();
      for (const row of rows) result.set(row.id, withoutHash(toUser(row)));
    }
    return result;
  }

  /** Members of a conversation whose usernames are among `names` (for mentions). */
  async membersNamed(conversationId: string, names: string[]): Promise<User[]> {
    if (names.length === 0) return [];
    const rows = await this.db
      .selectFrom("users as u")
      .innerJoin("conversation_members as m", "m.user_id", "u.id")
      .selectAll("u")
      .where("m.conversation_id", "=", conversationId)
      .where(
        "u.username_lower",
        "in",
        names.map((n) => n.toLowerCase()),
      )
      .execute();
    return rows.map((row) => withoutHash(toUser(row)));
  }

  /** The bots a person made, oldest first (deleted ones left out). */
  async botsOf(ownerId: string): Promise<User[]> {
    const rows = await this.db
      .selectFrom("users")
      .selectAll()
      .where("owner_id", "=", ownerId)
      .where("deleted_at", "is", null)
      .orderBy("created_at")
      .execute();
    return rows.map((row) => withoutHash(toUser(row)));
  }

  async byUsername(username: string): Promise<UserWithHash | undefined> {
    const row = await this.db
      .selectFrom("users")
      .selectAll()
      .where("username_lower", "=", username.toLowerCase())
      .executeTakeFirst();
    return row ? toUser(row) : undefined;
  }

  async list(options: {
    prefix?: string;
    limit: number;
    includeDisabled?: boolean;
  }): Promise<User[]> {
    let query = this.db
      .selectFrom("users")
      .selectAll()
      .orderBy("username_lower")
      .limit(options.limit);
    const prefix = options.prefix?.toLowerCase();
    if (prefix) {
      // A range start plus an exact prefix test: index-friendly and free of LIKE escaping.
      query = query
        .where("username_lower", ">=", prefix)
        .where((eb) =>
          eb(eb.fn("substr", ["username_lower", eb.lit(1), eb.lit(prefix.length)]), "=", prefix),
        );
    }
    if (!options.includeDisabled) query = query.where("disabled", "=", 0);
    const rows = await query.execute();
    return rows.map((row) => withoutHash(toUser(row)));
  }

  async count(): Promise<number> {
    const row = await this.db
      .selectFrom("users")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Enabled accounts with the admin right. */
  async activeAdminCount(): Promise<number> {
    const row = await this.db
      .selectFrom("users")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("is_admin", "=", 1)
      .where("disabled", "=", 0)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async setPasswordHash(id: string, passwordHash: string): Promise<void> {
    await this.db
      .updateTable("users")
      .set({ password_hash: passwordHash })
      .where("id", "=", id)
      .execute();
  }

  /**
   * Deletes an account for good, keeping its id (messages and memberships point at it):
   * the name is freed, the display name and password replaced, and it can neither sign
   * in nor be enabled again. Returns false when it was deleted already.
   */
  async markDeleted(
    id: string,
    replacement: { username: string; displayName: string; passwordHash: string },
    now: number,
  ): Promise<boolean> {
    const result = await this.db
      .updateTable("users")
      .set({
        username: replacement.username,
        username_lower: replacement.username.toLowerCase(),
        display_name: replacement.displayName,
        password_hash: replacement.passwordHash,
        is_admin: 0,
        disabled: 1,
        deleted_at: now,
      })
      .where("id", "=", id)
      .where("deleted_at", "is", null)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async setDisabled(id: string, disabled: boolean): Promise<boolean> {
    const result = await this.db
      .updateTable("users")
      .set({ disabled: disabled ? 1 : 0 })
      .where("id", "=", id)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** The name shown for the account (a directory's display name, followed at each sync). */
  async setDisplayName(id: string, displayName: string): Promise<boolean> {
    const result = await this.db
      .updateTable("users")
      .set({ display_name: displayName })
      .where("id", "=", id)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async setAdmin(id: string, isAdmin: boolean): Promise<boolean> {
    const result = await this.db
      .updateTable("users")
      .set({ is_admin: isAdmin ? 1 : 0 })
      .where("id", "=", id)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async touchLastSeen(id: string, now: number): Promise<void> {
    await this.db.updateTable("users").set({ last_seen_at: now }).where("id", "=", id).execute();
  }
}
