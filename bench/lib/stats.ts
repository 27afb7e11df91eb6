/**
 * Latency recording and the numbers every workload reports: percentiles in milliseconds,
 * rates per second, and the CPU and memory of the process under test over a phase.
 */
import { createHistogram, type RecordableHistogram } from "node:perf_hooks";
import type { ChildService } from "./children.js";
import type { ProcSample } from "./proc.js";

export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

const round = (value: number, digits = 2) => {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
};

/** Latencies in milliseconds, kept as microseconds in an HDR histogram (bounded memory). */
export class LatencyRecorder {
  private readonly histogram: RecordableHistogram = createHistogram();

  recordMs(ms: number): void {
    this.histogram.record(Math.max(1, Math.round(ms * 1000)));
  }

  summary(): LatencySummary {
    const h = this.histogram;
    const ms = (us: number) => round(us / 1000, 3);
    if (h.count === 0) return { count: 0, p50: 0, p95: 0, p99: 0, max: 0, mean: 0 };
    return {
      count: h.count,
      p50: ms(h.percentile(50)),
      p95: ms(h.percentile(95)),
      p99: ms(h.percentile(99)),
      max: ms(h.max),
      mean: ms(h.mean),
    };
  }
}

export function perSecond(count: number, ms: number): number {
  return ms > 0 ? round((count * 1000) / ms, 1) : 0;
}

export interface ProcessUsage {
  /** CPU seconds (user + system) spent by the process during the phase. */
  cpuSeconds: number;
  /** The process's peak resident set since it started (VmHWM), MiB. */
  peakRssMb: number;
  /** Resident set at the end of the phase, MiB. */
  rssMb: number;
  /** Bytes written towards the disk during the phase (see ProcSample.writeBytes), KiB. */
  diskWrittenKb: number;
}

/** Starts measuring a process; call the result to end the phase. */
export function usageOver(service: ChildService): () => ProcessUsage {
  const start: ProcSample = service.sample();
  return () => {
    const end = service.sample();
    return {
      cpuSeconds: round(end.cpuSeconds - start.cpuSeconds),
      peakRssMb: round(end.peakRssKb / 1024, 1),
      rssMb: round(end.rssKb / 1024, 1),
      diskWrittenKb: round((end.writeBytes - start.writeBytes) / 1024),
    };
  };
}

/** This (load-generator) process's CPU seconds over a phase. */
export function generatorCpu(): () => number {
  const start = process.cpuUsage();
  return () => {
    const used = process.cpuUsage(start);
    return round((used.user + used.system) / 1e6);
  };
}

export { round };
