/**
 * What the harness reads from Linux's /proc about a child process: CPU seconds, resident
 * memory, its open-file limit, and the TCP port it listens on (the server runs with
 * `port = 0` and logs at `warn`, so its port is found from its sockets, not its log).
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

let clockTicks: number | undefined;

/** Clock ticks per second (`getconf CLK_TCK`), the unit of utime and stime. */
export function clockTicksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());
    } catch {
      clockTicks = 100;
    }
    if (!Number.isFinite(clockTicks) || clockTicks <= 0) clockTicks = 100;
  }
  return clockTicks;
}

export interface ProcSample {
  /** utime + stime, in seconds. */
  cpuSeconds: number;
  /** VmRSS, in KiB. */
  rssKb: number;
  /** VmHWM (peak resident set), in KiB. */
  peakRssKb: number;
  /**
   * Bytes the process (all its threads) caused to be sent to the storage layer: /proc's
   * `write_bytes`, counted as pages are dirtied, so WAL frames and checkpoints alike.
   * NaN where /proc does not tell it.
   */
  writeBytes: number;
}

function ioWriteBytes(pid: number): number {
  try {
    const match = /^write_bytes:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/io`, "utf8"));
    return match?.[1] ? Number(match[1]) : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

function statusField(status: string, name: string): number {
  const match = new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status);
  return match?.[1] ? Number(match[1]) : Number.NaN;
}

/** One reading of a live process; throws if it has gone. */
export function sampleProcess(pid: number): ProcSample {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name (field 2) may hold spaces; fields after it start past its ")".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
  const ticks = Number(fields[11]) + Number(fields[12]);
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return {
    cpuSeconds: ticks / clockTicksPerSecond(),
    rssKb: statusField(status, "VmRSS"),
    peakRssKb: statusField(status, "VmHWM"),
    writeBytes: ioWriteBytes(pid),
  };
}

/** The soft limit on open files of this process (inherited by the children it starts). */
export function openFileLimit(): number {
  const limits = readFileSync("/proc/self/limits", "utf8");
  const match = /^Max open files\s+(\d+|unlimited)/m.exec(limits);
  if (!match?.[1] || match[1] === "unlimited") return Number.POSITIVE_INFINITY;
  return Number(match[1]);
}

function socketInodes(pid: number): Set<string> {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match?.[1]) inodes.add(match[1]);
    } catch {
      // the descriptor closed while we looked
    }
  }
  return inodes;
}

/** TCP ports the process listens on (IPv4 and IPv6), found through its socket inodes. */
export function listeningPorts(pid: number): number[] {
  const inodes = socketInodes(pid);
  const ports: number[] = [];
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text: string;
    try {
      text = readFileSync(table, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const cols = line.trim().split(/\s+/);
      // local_address is "HEXIP:HEXPORT"; st 0A is LISTEN; the inode is column 10.
      if (cols[3] !== "0A" || !cols[9] || !inodes.has(cols[9])) continue;
      const port = Number.parseInt(cols[1]?.split(":")[1] ?? "", 16);
      if (Number.isFinite(port)) ports.push(port);
    }
  }
  return ports;
}
