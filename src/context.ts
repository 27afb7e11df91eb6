/**
 * The services one chat-server process runs on, built once from the parsed config and
 * passed down explicitly: nothing deeper reads configuration on its own.
 */

import { randomUUID } from "node:crypto";
import type { AdminServerResponse } from "@private-chat/protocol/admin";
import type { Logger } from "pino";
import type { AdminActor } from "./admin/actors.js";
import { RuntimeSettings, settingsFromConfig } from "./admin/runtime-settings.js";
import { serverStats } from "./admin/server-stats.js";
import type { AttachmentService } from "./attachments/service.js";
import { createAttachmentService } from "./attachments/setup.js";
import { AccessTokens } from "./auth/access-tokens.js";
import { AuthService } from "./auth/service.js";
import { createAuthThrottles } from "./auth/throttles.js";
import { MemoryRedeemedTickets, RedisRedeemedTickets, TicketService } from "./auth/tickets.js";
import { TokenService } from "./auth/tokens.js";
import { SecondFactorPolicy } from "./auth/two-factor/policy.js";
import { TwoFactorService } from "./auth/two-factor/service.js";
import { BlockService } from "./blocks/service.js";
import { BotService } from "./bots/service.js";
import type { Config } from "./config/schema.js";
import type { JwtSecrets } from "./config/secrets.js";
import { ConversationService } from "./conversations/service.js";
import { DeviceService } from "./devices/service.js";
import { DomainEvents } from "./events/bus.js";
import { GroupLinkService } from "./group-links/service.js";
import { HistoryShareService } from "./history-shares/service.js";
import { KeyBackupService } from "./key-backup/service.js";
import { LDAP_SOURCE } from "./ldap/accounts.js";
import { ldapParts } from "./ldap/setup.js";
import type { DirectorySync } from "./ldap/sync.js";
import { PinService } from "./messages/pins.js";
import { RetentionSweeper } from "./messages/retention.js";
import { MessageService } from "./messages/service.js";
import { ThreadService } from "./messages/threads.js";
import { NotificationService } from "./notifications/service.js";
import { BackchannelLogout } from "./oidc/backchannel-logout.js";
import { OidcDeviceSignIn } from "./oidc/device-sign-in.js";
import { ProviderLinks, providerOnly } from "./oidc/links.js";
import { MembershipCheck } from "./oidc/membership-check.js";
import { OidcProviders } from "./oidc/providers.js";
import { SEAL_PURPOSE, Seal } from "./oidc/seal.js";
import { OidcSignIn } from "./oidc/sign-in.js";
import { Metrics } from "./ops/metrics.js";
import { type OutgoingSetup, setUpOutgoing } from "./outgoing/setup.js";
import { type PushSetup, setUpPush } from "./push/setup.js";
import type { VapidKeys } from "./push/vapid-keys.js";
import { FrameHandlers } from "./realtime/frame-handlers.js";
import { Hub } from "./realtime/hub.js";
import { LocalPubSub, type PubSub } from "./realtime/pubsub.js";
import { RedisPubSub } from "./realtime/redis-pubsub.js";
import type { Store } from "./storage/store.js";
import { SyncService } from "./sync/service.js";
import { type DeletedAccount, deleteAccount } from "./users/account-deletion.js";
import { PRODUCT_NAME, VERSION } from "./version.js";
import { HookRateLimit } from "./webhooks/rate-limit.js";
import { WebhookService } from "./webhooks/service.js";

export interface ServerContext {
  config: Config;
  nodeId: string;
  /** Set when [redis] url is configured. */
  redis: RedisPubSub | undefined;
  store: Store;
  metrics: Metrics;
  events: DomainEvents;
  tokens: TokenService;
  auth: AuthService;
  twoFactor: TwoFactorService;
  oidc: OidcSignIn;
  oidcLogout: BackchannelLogout;
  providerLinks: ProviderLinks;
  /** The terminal client's sign-in through a provider's device authorization grant. */
  oidcDevice: OidcDeviceSignIn;
  oidcCheck: MembershipCheck;
  groupLinks: GroupLinkService;
  /** The LDAP directory's sync, when `[ldap]` is configured. */
  ldapSync: DirectorySync | undefined;
  tickets: TicketService;
  accessTokens: AccessTokens;
  bots: BotService;
  webhooks: WebhookService;
  outgoing: OutgoingSetup;
  pubsub: PubSub;
  hub: Hub;
  conversations: ConversationService;
  blocks: BlockService;
  devices: DeviceService;
  keyBackups: KeyBackupService;
  historyShares: HistoryShareService;
  notifications: NotificationService;
  messages: MessageService;
  pins: PinService;
  threads: ThreadService;
  attachments: AttachmentService;
  retention: RetentionSweeper;
  settings: RuntimeSettings;
  /** The server at a glance, for the admin console. */
  serverStats: () => Promise<AdminServerResponse>;
  /** Deletes an account ([accounts] on_delete decides its messages). */
  deleteAccount: (userId: string, actor: AdminActor) => Promise<DeletedAccount>;
  sync: SyncService;
  frames: FrameHandlers;
  push: PushSetup;
  startedAt: number;
  /** Set once the node drains (before a stop): /health answers 503 from then on. */
  draining: boolean;
}

/** Logs failures of background work, at most once a minute per kind, so an outage cannot flood the log. */
function errorLogger(logger: Logger): (err: unknown, context: string) => void {
  const lastLogged = new Map<string, number>();
  return (err, context) => {
    const now = Date.now();
    if (now - (lastLogged.get(context) ?? 0) < 60_000) return;
    lastLogged.set(context, now);
    logger.error({ err, context }, "background error");
  };
}

export function createContext(
  config: Config,
  store: Store,
  secrets: JwtSecrets,
  logger: Logger,
  options: { vapidKeys?: VapidKeys | undefined; postgresSchema?: string } = {},
): ServerContext {
  const { vapidKeys } = options;
  const metrics = new Metrics();
  const events = new DomainEvents();
  const tokens = new TokenService(secrets);
  const nodeId = randomUUID();
  const onError = errorLogger(logger);
  // With Redis, real-time events, presence and rate-limit counters are shared by every
  // node; without it, this process is the whole cluster.
  const redis =
    config.redis.url === ""
      ? undefined
      : new RedisPubSub({
          url: config.redis.url,
          keyPrefix: config.redis.key_prefix,
          nodeId,
          onError,
        });
  const pubsub: PubSub = redis ?? new LocalPubSub();
  // Run-time settings over the file's values, refreshed at start and on every heartbeat.
  const settings = new RuntimeSettings(store, settingsFromConfig(config));
  const twoFactor = new TwoFactorService({
    store,
    policy: new SecondFactorPolicy(config.auth.require_2fa, config.auth.require_2fa_grace_days),
    publicUrl: config.server.public_url,
    serverName: () => PRODUCT_NAME,
  });
  const oidcProviders = new OidcProviders(config.oidc.providers);
  const groupLinks = new GroupLinkService({
    store,
    bus: events,
    sources: () => [
      ...oidcProviders.list().map((p) => `oidc:${p.id}`),
      ...(ldap ? [LDAP_SOURCE] : []),
    ],
  });
  const ldap = ldapParts(config.ldap, { store, events, groupLinks, logger });
  const auth = new AuthService({
    twoFactor,
    ...(ldap ? { directory: ldap.signIn } : {}),
    providerOnly: (userId) => providerOnly(store, oidcProviders, userId),
    store,
    tokens,
    throttles: createAuthThrottles(config, redis?.client),
    events,
    registration: () => settings.registration(),
    tokenExpirySeconds: config.auth.token_expiry_seconds,
    onAuthFailure: (reason) => metrics.authFailures.inc({ reason }),
  });
  const refreshTokens = new Seal(secrets, SEAL_PURPOSE.refreshToken);
  const oidc = new OidcSignIn({
    store,
    providers: oidcProviders,
    auth,
    publicUrl: config.server.public_url,
    seal: refreshTokens,
    groupLinks,
  });
  const oidcDevice = new OidcDeviceSignIn({
    signIn: oidc,
    auth,
    seal: new Seal(secrets, SEAL_PURPOSE.deviceSignIn),
  });
  const providerLinks = new ProviderLinks({ store, providers: oidcProviders, signIn: oidc });
  const oidcCheck = new MembershipCheck({
    store,
    events,
    providers: oidcProviders,
    seal: refreshTokens,
    groupLinks,
    intervalMs: config.oidc.check_interval_seconds * 1000,
    logger,
  });
  const oidcLogout = new BackchannelLogout({ store, providers: oidcProviders, events });
  const tickets = new TicketService(
    tokens,
    auth,
    redis
      ? new RedisRedeemedTickets(redis.client, config.redis.key_prefix)
      : new MemoryRedeemedTickets(),
  );
  const sync = new SyncService(store);
  const hub = new Hub({
    nodeId,
    // Events published by other nodes can be lost while Redis is away: check the log.
    pollMs: redis ? 1000 : 0,
    store,
    sync,
    pubsub,
    metrics,
    onError,
    heartbeatMs: config.server.socket_heartbeat_seconds * 1000,
    limits: {
      maxBufferedBytes: config.server.socket_max_buffered_bytes,
      // With limits off, the socket budget is wide but still bounded.
      framesPerSecond: config.rate_limit.enabled
        ? config.rate_limit.socket_frames_per_second
        : 10_000,
      frameBurst: config.rate_limit.enabled ? config.rate_limit.socket_frame_burst : 10_000,
    },
  });
  const conversations = new ConversationService({
    store,
    bus: events,
    presence: hub,
    groupAddsPerDay: config.limits.group_adds_per_day,
    retention: settings.retention,
  });
  const blocks = new BlockService(store, events);
  const devices = new DeviceService(store, events);
  const notifications = new NotificationService(store, events);
  const messages = new MessageService({
    store,
    bus: events,
    maxBodyChars: config.messages.max_body_chars,
  });
  const pins = new PinService({ store, bus: events });
  const threads = new ThreadService({ store, bus: events });
  const attachments = createAttachmentService(config, store, events, onError, () =>
    settings.maxFileBytes(),
  );
  const retention = new RetentionSweeper({
    store,
    bus: events,
    policy: settings.retention,
    eventDays: config.events.retention_days,
    nodeId,
    onError,
  });
  const frames = new FrameHandlers({ hub, messages, conversations, sync, metrics, onError });
  const push = setUpPush({
    config,
    store,
    ...(options.postgresSchema ? { postgresSchema: options.postgresSchema } : {}),
    keys: vapidKeys,
    metrics,
    nodeId,
    logger,
    wasActiveAt: (userId, at) => hub.wasActiveAt(userId, at),
    onError,
  });

  const startedAt = Date.now();
  const stats = () =>
    serverStats({
      store,
      version: VERSION,
      nodeId,
      startedAt,
      sockets: () => hub.size,
      push: vapidKeys !== undefined,
    });
  const deleteUserAccount = (userId: string, actor: AdminActor) =>
    deleteAccount(
      {
        store,
        bus: events,
        onDelete: config.accounts.on_delete,
        startErasure: () => {
          void retention.sweep().catch((err) => onError(err, "accounts.erase"));
        },
      },
      userId,
      actor,
    );

  const accessTokens = new AccessTokens(store, events);
  const bots = new BotService({
    store,
    tokens: accessTokens,
    usersCanCreateBots: () => config.integrations.users_can_create_bots,
    deleteAccount: deleteUserAccount,
  });
  const webhooks = new WebhookService({
    store,
    bus: events,
    messages,
    deleteAccount: deleteUserAccount,
    // 10 at once, then 1 a second, per hook and per node (see webhooks/rate-limit.ts).
    rateLimit: new HookRateLimit(1, 10),
  });
  const outgoing = setUpOutgoing({
    config,
    store,
    bots,
    messages,
    metrics,
    nodeId,
    logger,
    onError,
  });

  // Committed events and revocations travel to every socket through the pub/sub.
  events.on("chat.events", (committed) => {
    const stored = committed.filter((e) => e.type === "message.new").length;
    if (stored > 0) {
      metrics.messagesStored.inc(stored);
      metrics.messageBatchSize.observe(stored);
    }
    pubsub.publish({ kind: "events", events: committed });
    push.service.onEvents(committed);
    // Bots' subscriptions: the dispatcher reads the log (any node may; one does at a time).
    outgoing.worker.wake();
  });
  events.on("sessions.revoked", ({ userId, sessionIds }) => {
    pubsub.publish({ kind: "revoke", userId, sessionIds, reason: "session ended" });
    push.service.sessionsEnded(userId, sessionIds);
  });
  events.on("user.disabled", ({ userId }) => {
    pubsub.publish({ kind: "revoke", userId, sessionIds: "all", reason: "account disabled" });
    push.service.sessionsEnded(userId, "all");
    // A disabled owner's bots stop with them.
    void store.users
      .botsOf(userId)
      .then((owned) => {
        for (const bot of owned)
          pubsub.publish({
            kind: "revoke",
            userId: bot.id,
            sessionIds: "all",
            reason: "owner disabled",
          });
      })
      .catch((err) => onError(err, "bots.revoke"));
  });
  events.on("relations.changed", (change) => pubsub.publish({ kind: "relations", change }));

  return {
    config,
    nodeId,
    redis,
    store,
    metrics,
    events,
    tokens,
    auth,
    twoFactor,
    oidc,
    oidcLogout,
    providerLinks,
    oidcDevice,
    oidcCheck,
    groupLinks,
    ldapSync: ldap?.sync,
    tickets,
    accessTokens,
    bots,
    webhooks,
    outgoing,
    pubsub,
    hub,
    conversations,
    blocks,
    devices,
    keyBackups: new KeyBackupService(store),
    historyShares: new HistoryShareService(store),
    notifications,
    messages,
    pins,
    threads,
    attachments,
    retention,
    deleteAccount: deleteUserAccount,
    serverStats: stats,
    settings,
    sync,
    frames,
    push,
    startedAt,
    draining: false,
  };
}
