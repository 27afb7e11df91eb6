/**
 * The periodic check that people who signed in through a provider are still known to
 * it: every `[oidc] check_interval_seconds`, each one's refresh token is used once. A
 * provider that refuses it (`invalid_grant`: the person was removed or disabled there,
 * or their sessions revoked) has the account disabled here, through the administrators'
 * path, so that its sessions end and its sockets close on every node, audited as done by
 * the provider. A provider that cannot be reached decides nothing; the next check tries
 * again. A provider with a `groups_claim` also tells each person's groups afresh (from
 * the new ID token, or its userinfo endpoint): one who left `access_group` is disabled the
 * same way, `admin_group` is followed, and the conversations linked to groups are
 * brought in step — so a person moved between groups at the provider is moved here within
 * the interval, without signing in again. Nodes share the work: each claims a person
 * before checking them.
 */
import * as client from "openid-client";
import type { Logger } from "pino";
import { AdminService } from "../admin/service.js";
import type { DomainEvents } from "../events/bus.js";
import type { GroupLinkService } from "../group-links/service.js";
import { PeriodicRound } from "../ops/periodic-round.js";
import type { Store } from "../storage/store.js";
import { followAdminGroup, groupsOf, withUserInfo } from "./accounts.js";
import type { OidcProvider, OidcProviders } from "./providers.js";
import type { Seal } from "./seal.js";

const BATCH = 50;

interface Person {
  subject: string;
  userId: string;
  refreshToken: string;
}

/**
 * The person's groups as the provider tells them now, or undefined when it tells none
 * (no `groups_claim`, or neither a new ID token nor a userinfo endpoint).
 */
async function groupsNow(
  provider: OidcProvider,
  configuration: client.Configuration,
  tokens: client.TokenEndpointResponse & client.TokenEndpointResponseHelpers,
  subject: string,
): Promise<string[] | undefined> {
  const { config } = provider;
  if (!config.groups_claim) return undefined;
  const idToken = tokens.claims();
  if (idToken) {
    const claims = await withUserInfo(configuration, config, idToken, tokens.access_token);
    return groupsOf(claims, config.groups_claim);
  }
  if (!configuration.serverMetadata().userinfo_endpoint) return undefined;
  const info = await client.fetchUserInfo(configuration, tokens.access_token, subject);
  return groupsOf(info, config.groups_claim);
}

export interface MembershipCheckDeps {
  store: Store;
  events: DomainEvents;
  providers: OidcProviders;
  seal: Seal;
  groupLinks: GroupLinkService;
  intervalMs: number;
  logger: Logger;
}

export class MembershipCheck {
  private readonly rounds: PeriodicRound;

  constructor(private readonly deps: MembershipCheckDeps) {
    this.rounds = new PeriodicRound(
      () => this.checkAll(),
      deps.intervalMs,
      deps.logger,
      "sign-in provider check failed",
    );
  }

  start(): void {
    if (this.deps.providers.list().length > 0) this.rounds.start();
  }

  stop(): Promise<void> {
    return this.rounds.stop();
  }

  /** One round over every provider; returns how many accounts were disabled. */
  async checkAll(): Promise<number> {
    let disabled = 0;
    for (const { id } of this.deps.providers.list()) {
      try {
        disabled += await this.checkProvider(this.deps.providers.get(id));
      } catch (err) {
        this.deps.logger.warn({ err, provider: id }, "sign-in provider check failed");
      }
    }
    return disabled;
  }

  private async checkProvider(provider: OidcProvider): Promise<number> {
    const configuration = await provider.configuration();
    let disabled = 0;
    for (;;) {
      const now = Date.now();
      const due = await this.deps.store.externalIdentities.claimForCheck(
        provider.key,
        now - this.deps.intervalMs,
        now,
        BATCH,
      );
      for (const person of due) {
        if (await this.checkPerson(provider, configuration, person)) disabled += 1;
      }
      if (due.length < BATCH) return disabled;
    }
  }

  /**
   * True when the provider no longer knows the person (or they left the access group)
   * and the account was disabled.
   */
  private async checkPerson(
    provider: OidcProvider,
    configuration: client.Configuration,
    person: Person,
  ): Promise<boolean> {
    const token = await this.deps.seal.open(person.refreshToken);
    if (!token) return false;
    let tokens: client.TokenEndpointResponse & client.TokenEndpointResponseHelpers;
    try {
      tokens = await client.refreshTokenGrant(configuration, token);
      // A provider that rotates refresh tokens hands a new one each time.
      if (tokens.refresh_token && tokens.refresh_token !== token) {
        await this.deps.store.externalIdentities.setRefreshToken(
          provider.key,
          person.subject,
          await this.deps.seal.seal(tokens.refresh_token),
          Date.now(),
        );
      }
    } catch (err) {
      if (!(err instanceof client.ResponseBodyError && err.error === "invalid_grant")) throw err;
      return this.disable(provider, person);
    }
    const groups = await groupsNow(provider, configuration, tokens, person.subject);
    if (groups === undefined) return false;
    const { access_group, admin_group } = provider.config;
    if (access_group && !groups.includes(access_group)) return this.disable(provider, person);
    const admin = admin_group ? groups.includes(admin_group) : undefined;
    const user = await followAdminGroup(this.deps.store, provider, person.userId, admin);
    await this.deps.groupLinks.apply(provider.key, user, groups);
    return false;
  }

  /** Disables the account as the provider's doing; true when it was not disabled yet. */
  private async disable(provider: OidcProvider, person: Person): Promise<boolean> {
    const admin = new AdminService({ store: this.deps.store, events: this.deps.events });
    const update = await admin.updateUser({ id: null, label: provider.key }, person.userId, {
      disabled: true,
    });
    // Nothing left to check with: a person back at the provider signs in again.
    await this.deps.store.externalIdentities.setRefreshToken(
      provider.key,
      person.subject,
      null,
      Date.now(),
    );
    return update.actions.includes("user.disable");
  }
}
