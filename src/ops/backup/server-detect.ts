/**
 * Tells whether a chat-server is using a SQLite database, from the nodes table every
 * server refreshes while it runs (see ops/node-registry.ts): a row heard from in the last
 * 30 s whose process is alive on this host. A row from another host cannot be checked, so
 * a fresh one counts as running.
 */
import { hostname } from "node:os";
import type SqliteDatabase from "better-sqlite3-multiple-ciphers";
import { hasTable } from "./sqlite-file.js";

/** Three missed heartbeats (one every 10 s) and a node counts as gone. */
export const LIVE_WINDOW_MS = 30_000;

export interface LiveServer {
  hostname: string;
  pid: number;
  lastSeenAt: number;
}

export function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

export function liveServers(raw: SqliteDatabase.Database, now = Date.now()): LiveServer[] {
  if (!hasTable(raw, "nodes")) return [];
  const rows = raw
    .prepare("select hostname, pid, last_seen_at from nodes where last_seen_at >= ?")
    .all(now - LIVE_WINDOW_MS) as { hostname: string; pid: number; last_seen_at: number }[];
  const here = hostname();
  return rows
    .filter((row) => row.hostname !== here || processIsAlive(Number(row.pid)))
    .map((row) => ({
      hostname: row.hostname,
      pid: Number(row.pid),
      lastSeenAt: Number(row.last_seen_at),
    }));
}

export function describeServer(server: LiveServer, now = Date.now()): string {
  const seconds = Math.max(0, Math.round((now - server.lastSeenAt) / 1000));
  return `pid ${server.pid} on ${server.hostname}, seen ${seconds} s ago`;
}
