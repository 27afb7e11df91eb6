/**
 * What /health checks: that the database's main tables can be read (not only that it
 * answers `select 1`: a damaged SQLite file does that while every read fails), and that
 * the uploads directory is still there and writable. Each check has a deadline, so a
 * hung database makes the answer unhealthy instead of late.
 */
import type { HealthCheck } from "@private-chat/protocol/rest";
import type { FastifyBaseLogger } from "fastify";
import { checkUploadsDir } from "../attachments/uploads-dir.js";
import type { Store } from "../storage/store.js";

/** Longer than a healthy read ever takes, shorter than a load balancer's usual timeout. */
const CHECK_TIMEOUT_MS = 3000;

function withDeadline(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

export interface HealthDeps {
  store: Store;
  uploadsDir: string;
}

/**
 * Returns the function /health calls: the names of the failing checks, empty when all
 * pass. A check that starts or stops failing is logged once, with its reason.
 */
export function healthChecks(deps: HealthDeps): (log: FastifyBaseLogger) => Promise<HealthCheck[]> {
  const checks: Record<HealthCheck, () => Promise<void>> = {
    database: () => deps.store.checkReads(),
    uploads: () => checkUploadsDir(deps.uploadsDir),
  };
  const failingBefore = new Set<HealthCheck>();
  return async (log) => {
    const names = Object.keys(checks) as HealthCheck[];
    const results = await Promise.allSettled(
      names.map((name) => withDeadline(checks[name](), CHECK_TIMEOUT_MS)),
    );
    const failing: HealthCheck[] = [];
    results.forEach((result, i) => {
      const name = names[i] as HealthCheck;
      if (result.status === "rejected") {
        failing.push(name);
        if (!failingBefore.has(name)) {
          failingBefore.add(name);
          log.warn({ check: name, err: result.reason }, "health check failing");
        }
      } else if (failingBefore.delete(name)) {
        log.info({ check: name }, "health check passing again");
      }
    });
    return failing;
  };
}
