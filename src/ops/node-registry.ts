/**
 * Keeps this node's row in the nodes table fresh (and what it knows of the schema: see
 * storage/event-format.ts), and warns at start when other nodes
 * share the database but real-time events cannot reach them (no [redis] configured).
 */
import { hostname } from "node:os";
import type { Logger } from "pino";
import { latestSchemaVersion } from "../storage/migrate.js";
import type { Store } from "../storage/store.js";

const HEARTBEAT_MS = 10_000;
/** A node not heard from for this long is gone (its row is left by a crash). */
export const STALE_MS = 30_000;

export class NodeRegistry {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: Store,
    private readonly nodeId: string,
    private readonly clustered: boolean,
    private readonly logger: Logger,
    /** Run on every heartbeat: what other nodes may have changed (run-time settings). */
    private readonly onBeat: () => Promise<unknown> = async () => {},
  ) {}

  async start(): Promise<void> {
    const now = Date.now();
    await this.store.nodes.prune(now - 24 * 3600_000);
    const others = await this.store.nodes.others(this.nodeId, now - STALE_MS);
    await this.store.nodes.register({
      id: this.nodeId,
      hostname: hostname(),
      pid: process.pid,
      clustered: this.clustered ? 1 : 0,
      started_at: now,
      last_seen_at: now,
      knows_through: latestSchemaVersion(),
    });
    const names = others.map((n) => `${n.hostname}:${n.pid}`);
    if (others.length > 0 && this.store.type === "sqlite") {
      this.logger.warn(
        { others: names },
        "another chat-server process uses this SQLite file: run one process per database file, or move to PostgreSQL with [redis] to run several",
      );
    } else if (others.length > 0 && !this.clustered) {
      this.logger.warn(
        { others: names },
        "other chat-server nodes use this database, but [redis] url is not set: messages and presence will not reach sockets on other nodes; configure [redis] on every node",
      );
    }
    this.timer = setInterval(() => {
      // The database being away is reported by /health; the next beat retries.
      this.store.nodes.heartbeat(this.nodeId, Date.now()).catch(() => {});
      // A contract step applied while this node runs changes how it writes the log.
      this.store.refreshEventFormat().catch(() => {});
      this.onBeat().catch(() => {});
    }, HEARTBEAT_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.store.nodes.remove(this.nodeId).catch(() => {});
  }
}
