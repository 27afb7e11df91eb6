/**
 * The periodic directory sync: every `[ldap] sync_interval_seconds`, each account linked
 * to the directory is looked up by its stable id. One whose entry is gone (deleted, or
 * no longer matched by `user_filter`) or who left `access_group` has the account
 * disabled through the administrators' path, so that its sessions end and its sockets
 * close on every node, audited as done by "ldap". Otherwise `admin_group` and the display
 * name are followed, and the conversations linked to groups brought in step. A directory
 * that cannot be reached decides nothing: the next round tries again. Nodes share the
 * work: each claims a person (a conditional update of external_identities.checked_at)
 * before looking them up, so one node checks each person per interval.
 */
import type { Logger } from "pino";
import { AdminService } from "../admin/service.js";
import type { DomainEvents } from "../events/bus.js";
import type { GroupLinkService } from "../group-links/service.js";
import { PeriodicRound } from "../ops/periodic-round.js";
import type { Store } from "../storage/store.js";
import { followDirectory, inAccessGroup, LDAP_SOURCE, linkedGroups } from "./accounts.js";
import type { Directory, DirectoryEntry } from "./directory.js";

const BATCH = 50;

export interface DirectorySyncDeps {
  store: Store;
  events: DomainEvents;
  directory: Directory;
  groupLinks: GroupLinkService;
  intervalMs: number;
  logger: Logger;
}

interface Person {
  subject: string;
  userId: string;
}

export class DirectorySync {
  private readonly rounds: PeriodicRound;

  constructor(private readonly deps: DirectorySyncDeps) {
    this.rounds = new PeriodicRound(
      () => this.syncAll(),
      deps.intervalMs,
      deps.logger,
      "directory sync failed",
    );
  }

  start(): void {
    this.rounds.start();
  }

  stop(): Promise<void> {
    return this.rounds.stop();
  }

  /** One round over the linked accounts due; returns how many were disabled. */
  async syncAll(): Promise<number> {
    let disabled = 0;
    for (;;) {
      const now = Date.now();
      const due = await this.deps.store.externalIdentities.claimLinksForCheck(
        LDAP_SOURCE,
        now - this.deps.intervalMs,
        now,
        BATCH,
      );
      if (due.length === 0) return disabled;
      // Looked up first, on one connection; a directory that fails here decides nothing.
      const entries = await this.deps.directory.open(async (connection) => {
        const found = new Map<string, DirectoryEntry | undefined>();
        for (const person of due)
          found.set(person.subject, await connection.findById(person.subject));
        return found;
      });
      for (const person of due) {
        try {
          if (await this.follow(person, entries.get(person.subject))) disabled += 1;
        } catch (err) {
          // One account that cannot be followed (deleted meanwhile) holds up no other.
          this.deps.logger.warn(
            { err, userId: person.userId },
            "directory sync of an account failed",
          );
        }
      }
      if (due.length < BATCH) return disabled;
    }
  }

  /** True when the account was disabled by this round. */
  private async follow(person: Person, entry: DirectoryEntry | undefined): Promise<boolean> {
    const { config } = this.deps.directory.settings;
    if (!entry || !inAccessGroup(config, entry)) return this.disable(person);
    const user = await followDirectory(this.deps.store, config, person.userId, entry);
    await this.deps.groupLinks.apply(LDAP_SOURCE, user, await linkedGroups(this.deps.store, entry));
    return false;
  }

  private async disable(person: Person): Promise<boolean> {
    const admin = new AdminService({ store: this.deps.store, events: this.deps.events });
    const update = await admin.updateUser({ id: null, label: LDAP_SOURCE }, person.userId, {
      disabled: true,
    });
    return update.actions.includes("user.disable");
  }
}
