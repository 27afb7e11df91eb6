/**
 * The four faults of every run, at seeded times within the sending window: a node
 * SIGKILLed and started again, Redis frozen for 5 s (SIGSTOP/SIGCONT), Redis pub/sub
 * connections cut (CLIENT KILL TYPE pubsub), and PostgreSQL restarted (pg_ctl restart -m
 * fast). Each fault runs at its time whatever the others are doing, so they may overlap.
 */
import type { ChatNode } from "./nodes.js";
import type { Random } from "./prng.js";
import type { PrivatePostgres, PrivateRedis } from "./services.js";

export type FaultKind = "node_kill" | "redis_pause" | "redis_pubsub_kill" | "postgres_restart";

export interface FaultPlan {
  kind: FaultKind;
  /** Milliseconds after the first send. */
  atMs: number;
  /** node_kill: which node, and how long it stays down before it is started again. */
  node?: number;
  downMs?: number;
}

export interface FaultRecord extends FaultPlan {
  startedMs: number;
  endedMs: number;
  detail?: string;
  error?: string;
}

export const REDIS_PAUSE_MS = 5000;

/** Seeded times in [10 %, 70 %] of the expected sending window, in a seeded order. */
export function planFaults(random: Random, windowMs: number, nodeCount: number): FaultPlan[] {
  const kinds: FaultKind[] = ["node_kill", "redis_pause", "redis_pubsub_kill", "postgres_restart"];
  return kinds
    .map((kind): FaultPlan => {
      const atMs = Math.round(random.between(0.1, 0.7) * windowMs);
      if (kind !== "node_kill") return { kind, atMs };
      return {
        kind,
        atMs,
        node: random.int(nodeCount),
        downMs: Math.round(random.between(1000, 4000)),
      };
    })
    .sort((a, b) => a.atMs - b.atMs);
}

export interface FaultTargets {
  nodes: ChatNode[];
  redis: PrivateRedis;
  postgres: PrivatePostgres;
  /** Whether the run is being torn down: a waiting fault then does nothing. */
  stopping(): boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function inject(plan: FaultPlan, targets: FaultTargets): Promise<string> {
  switch (plan.kind) {
    case "node_kill": {
      const node = targets.nodes[plan.node ?? 0];
      if (!node) throw new Error(`no node ${plan.node}`);
      await node.kill();
      await sleep(plan.downMs ?? 0);
      if (targets.stopping()) return "killed; not restarted (stopping)";
      await node.restart();
      return `node ${node.index} killed, restarted after ${plan.downMs} ms`;
    }
    case "redis_pause":
      targets.redis.pause();
      try {
        await sleep(REDIS_PAUSE_MS);
      } finally {
        targets.redis.resume();
      }
      return `paused ${REDIS_PAUSE_MS} ms`;
    case "redis_pubsub_kill":
      return `${await targets.redis.killPubSubClients()} pub/sub connections killed`;
    case "postgres_restart":
      await targets.postgres.restart();
      return "restarted (fast)";
  }
}

/** Runs every planned fault at its time; resolves when all have finished. */
export function runFaults(
  plans: FaultPlan[],
  targets: FaultTargets,
  startedAt: number,
): Promise<FaultRecord[]> {
  const elapsed = () => Math.round(performance.now() - startedAt);
  return Promise.all(
    plans.map(async (plan): Promise<FaultRecord> => {
      await sleep(Math.max(0, plan.atMs - elapsed()));
      const startedMs = elapsed();
      if (targets.stopping()) return { ...plan, startedMs, endedMs: startedMs, error: "stopping" };
      try {
        const detail = await inject(plan, targets);
        return { ...plan, startedMs, endedMs: elapsed(), detail };
      } catch (err) {
        return { ...plan, startedMs, endedMs: elapsed(), error: (err as Error).message };
      }
    }),
  );
}
