/**
 * The storage interface every caller uses. One set of repositories over Kysely serves
 * both engines; what differs between SQLite and PostgreSQL lives in sqlite/ and postgres/.
 */
import { type Kysely, sql } from "kysely";
import type { Config } from "../config/schema.js";
import { AccessTokenStore } from "./access-tokens.js";
import { AccountErasureStore } from "./account-erasures.js";
import { AttachmentStore } from "./attachments.js";
import { AuditStore } from "./audit.js";
import { BlobRecords } from "./blobs.js";
import { BlockStore } from "./blocks.js";
import { ConversationRetentionStore } from "./conversation-retention.js";
import { ConversationStore } from "./conversations.js";
import { DamagedDatabaseError, DamageWatch, isDatabaseDamage } from "./damage.js";
import { DeviceStore } from "./devices.js";
import { EventFormat } from "./event-format.js";
import { EventSubscriptionStore } from "./event-subscriptions.js";
import { EventStore } from "./events.js";
import { ExternalIdentityStore } from "./external-identities.js";
import { GroupAddStore } from "./group-adds.js";
import { GroupLinkStore } from "./group-links.js";
import { HistoryShareStore } from "./history-shares.js";
import { IncomingWebhookStore } from "./incoming-webhooks.js";
import { InviteStore } from "./invites.js";
import { KeyBackupStore } from "./key-backups.js";
import type { MessageAppender } from "./message-rules.js";
import { MessageStore } from "./messages.js";
import { type MigrateOptions, migrateToLatest } from "./migrate.js";
import { MlsEpochStore } from "./mls-epochs.js";
import { NodeStore } from "./nodes.js";
import { NotificationStore } from "./notifications.js";
import { OidcSignInStore } from "./oidc-sign-ins.js";
import { PinStore } from "./pins.js";
import { openPostgres } from "./postgres/connect.js";
import { PostgresMessageAppender } from "./postgres/message-append.js";
import { PushStore } from "./push.js";
import { RequestStore } from "./requests.js";
import type { Database } from "./schema.js";
import { SearchStore } from "./search.js";
import { SecondFactorStore } from "./second-factors.js";
import { SessionStore } from "./sessions.js";
import { SlashCommandStore } from "./slash-commands.js";
import { startCheckpointer } from "./sqlite/checkpointer.js";
import { openSqlite, type SqliteHandle } from "./sqlite/connect.js";
import { databaseKey, isNotADatabase, keyProblem, type SqliteKey } from "./sqlite/encryption.js";
import { IntegrityStamp } from "./sqlite/integrity.js";
import { SqliteMessageAppender } from "./sqlite/message-append.js";
import { ThreadMessageAppender } from "./sqlite/thread-appender.js";
import { ThreadFollowStore } from "./thread-follows.js";
import { ThreadStore } from "./threads.js";
import { UserStore } from "./users.js";

export type DatabaseType = "sqlite" | "postgres";

/** The repositories, bound either to the pool or to one transaction. */
export class Repositories {
  readonly users: UserStore;
  readonly sessions: SessionStore;
  readonly accessTokens: AccessTokenStore;
  readonly incomingWebhooks: IncomingWebhookStore;
  readonly eventSubscriptions: EventSubscriptionStore;
  readonly slashCommands: SlashCommandStore;
  readonly secondFactors: SecondFactorStore;
  readonly externalIdentities: ExternalIdentityStore;
  readonly oidcSignIns: OidcSignInStore;
  readonly groupLinks: GroupLinkStore;
  readonly devices: DeviceStore;
  readonly keyBackups: KeyBackupStore;
  readonly historyShares: HistoryShareStore;
  readonly mlsEpochs: MlsEpochStore;
  readonly invites: InviteStore;
  readonly conversations: ConversationStore;
  readonly retention: ConversationRetentionStore;
  readonly messages: MessageStore;
  readonly events: EventStore;
  readonly nodes: NodeStore;
  readonly audit: AuditStore;
  readonly search: SearchStore;
  readonly attachments: AttachmentStore;
  readonly groupAdds: GroupAddStore;
  readonly blobs: BlobRecords;
  readonly push: PushStore;
  readonly blocks: BlockStore;
  readonly requests: RequestStore;
  readonly notifications: NotificationStore;
  readonly pins: PinStore;
  readonly threads: ThreadStore;
  readonly threadFollows: ThreadFollowStore;
  readonly accountErasures: AccountErasureStore;

  constructor(
    readonly db: Kysely<Database>,
    readonly type: DatabaseType,
    /** How the event log stores message events; shared by the store and its transactions. */
    readonly eventFormat: EventFormat = new EventFormat(),
  ) {
    this.users = new UserStore(db);
    this.sessions = new SessionStore(db);
    this.accessTokens = new AccessTokenStore(db);
    this.incomingWebhooks = new IncomingWebhookStore(db);
    this.eventSubscriptions = new EventSubscriptionStore(db, type);
    this.slashCommands = new SlashCommandStore(db);
    this.secondFactors = new SecondFactorStore(db);
    this.externalIdentities = new ExternalIdentityStore(db);
    this.oidcSignIns = new OidcSignInStore(db);
    this.groupLinks = new GroupLinkStore(db);
    this.devices = new DeviceStore(db, type);
    this.keyBackups = new KeyBackupStore(db, type);
    this.historyShares = new HistoryShareStore(db);
    this.mlsEpochs = new MlsEpochStore(db);
    this.invites = new InviteStore(db);
    this.conversations = new ConversationStore(db);
    this.retention = new ConversationRetentionStore(db);
    this.messages = new MessageStore(db, type);
    this.events = new EventStore(db, type, eventFormat);
    this.nodes = new NodeStore(db);
    this.audit = new AuditStore(db);
    this.search = new SearchStore(db, type);
    this.attachments = new AttachmentStore(db);
    this.groupAdds = new GroupAddStore(db);
    this.blobs = new BlobRecords(db, type);
    this.push = new PushStore(db, type);
    this.blocks = new BlockStore(db);
    this.requests = new RequestStore(db);
    this.notifications = new NotificationStore(db);
    this.pins = new PinStore(db);
    this.threads = new ThreadStore(db);
    this.threadFollows = new ThreadFollowStore(db);
    this.accountErasures = new AccountErasureStore(db);
  }
}

/** Tables whose newest row /health reads: the ones every client's sync goes through. */
const HEALTH_TABLES = ["users", "conversations", "messages", "events"] as const;

export class Store extends Repositories {
  constructor(
    db: Kysely<Database>,
    type: DatabaseType,
    /** Stores batches of plain messages on the engine's fastest path. */
    readonly appender: MessageAppender,
    private readonly closeHandle: () => Promise<void>,
    /** Failed queries of this store that met a damaged database. */
    readonly damage: DamageWatch = new DamageWatch(),
    /** SQLite: the problems `PRAGMA quick_check` finds (none on PostgreSQL). */
    private readonly integrityProblems: () => string[] = () => [],
    /** The database's name in messages: the SQLite file, or "PostgreSQL". */
    readonly where: string = type,
  ) {
    super(db, type);
  }

  /**
   * Throws DamagedDatabaseError when the engine finds the database's structure damaged
   * (SQLite's quick_check: every page, without matching indexes to their tables). Its cost
   * grows with the file: run at start, not per request.
   */
  checkIntegrity(): void {
    let problems: string[];
    try {
      problems = this.integrityProblems();
    } catch (err) {
      if (!isDatabaseDamage(err)) throw err;
      problems = [(err as Error).message];
    }
    if (problems.length > 0) throw new DamagedDatabaseError(this.where, problems.join("; "));
  }

  /**
   * Throws unless the newest row of the main tables can be read: a database can answer
   * `select 1` while its tables cannot be read (a damaged file, a revoked grant, a
   * dropped table). Also throws once any query of this store met damage.
   */
  async checkReads(): Promise<void> {
    if (this.damage.damage !== undefined) {
      throw new DamagedDatabaseError(this.where, this.damage.damage);
    }
    for (const table of HEALTH_TABLES) {
      await sql`select id from ${sql.table(table)} order by id desc limit 1`.execute(this.db);
    }
  }

  /** Runs `work` in one transaction: all of it commits, or none of it does. */
  transaction<T>(work: (tx: Repositories) => Promise<T>): Promise<T> {
    return this.db
      .transaction()
      .execute((trx) => work(new Repositories(trx, this.type, this.eventFormat)));
  }

  /**
   * SQLite: gives the pages deletions freed back to the file system, so the file shrinks
   * (databases made with incremental auto-vacuum; others keep them for reuse). PostgreSQL's
   * autovacuum does its own.
   */
  async reclaimFreePages(): Promise<void> {
    if (this.type === "sqlite") await sql`pragma incremental_vacuum`.execute(this.db);
  }

  /** Throws unless the database answers a trivial query. */
  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  async migrate(options: MigrateOptions = {}) {
    const result = await migrateToLatest(this.db, this.type, options);
    await this.refreshEventFormat();
    return result;
  }

  /** Learns whether the log may store references (see event-format.ts). */
  refreshEventFormat(): Promise<boolean> {
    return this.eventFormat.refresh(this.db);
  }

  private closing: Promise<void> | undefined;

  /** Closes the connections once; later calls wait for the same close. */
  close(): Promise<void> {
    this.closing ??= this.closeHandle();
    return this.closing;
  }
}

export interface OpenStoreOptions {
  /** PostgreSQL schema to use (tests give each run its own). */
  postgresSchema?: string;
  /** How long a query may wait for a pooled PostgreSQL connection. */
  postgresConnectionTimeoutMs?: number;
  /**
   * SQLite: store messages on a writer thread and checkpoint the WAL from another, off the
   * event loop (the server does; short-lived tools keep everything on one thread).
   */
  backgroundThreads?: boolean;
}

/** Opens the SQLite file, telling a damaged file apart from other failures. */
function openSqliteFile(
  path: string,
  key: SqliteKey | undefined,
  damage: DamageWatch,
): SqliteHandle {
  try {
    return openSqlite(path, { log: damage.onQueryLog, key });
  } catch (err) {
    const problem = keyProblem(path, key, err);
    if (problem) throw problem;
    if (isDatabaseDamage(err)) {
      const hint =
        !key && isNotADatabase(err)
          ? ", or it is encrypted and [database] encryption_key_file is not set"
          : "";
      throw new DamagedDatabaseError(path, `${(err as Error).message}${hint}`);
    }
    throw err;
  }
}

export function openStore(database: Config["database"], options: OpenStoreOptions = {}): Store {
  const damage = new DamageWatch();
  // Read first: a key file that is wrong in itself (or set for PostgreSQL) stops the start.
  const key = databaseKey(database);
  if (database.type === "postgres") {
    const schema = options.postgresSchema ?? database.schema;
    const { db } = openPostgres({
      url: database.url,
      poolSize: database.pool_size,
      statementTimeoutMs: database.statement_timeout_ms,
      log: damage.onQueryLog,
      ...(schema ? { schema } : {}),
      ...(options.postgresConnectionTimeoutMs
        ? { connectionTimeoutMs: options.postgresConnectionTimeoutMs }
        : {}),
    });
    return new Store(
      db,
      "postgres",
      new PostgresMessageAppender(db),
      () => db.destroy(),
      damage,
      () => [],
      "PostgreSQL",
    );
  }
  const memory = database.path === ":memory:";
  const stamp = memory ? undefined : IntegrityStamp.take(database.path);
  const { db, raw } = openSqliteFile(database.path, key, damage);
  const threads = options.backgroundThreads && database.path !== ":memory:";
  const checkpointer = threads ? startCheckpointer(raw, database.path, key) : undefined;
  const writer = threads ? new ThreadMessageAppender(database.path, key) : undefined;
  const appender = writer ?? new SqliteMessageAppender(db, raw);
  const close = async () => {
    await writer?.stop();
    await checkpointer?.stop();
    await db.destroy();
    if (raw.open) raw.close();
    stamp?.leave(damage.damage !== undefined);
  };
  return new Store(
    db,
    "sqlite",
    appender,
    close,
    damage,
    () => stamp?.problems(raw) ?? [],
    database.path,
  );
}
