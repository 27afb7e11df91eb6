/**
 * Runs one REST or socket suite against every storage engine: a describe() per engine,
 * each starting its servers on a fresh SQLite file or a fresh PostgreSQL schema. A suite
 * whose behaviour goes through Redis (live events, revocations, socket tickets, counters)
 * asks for it, and its PostgreSQL pass then runs the way a cluster node does.
 */
import { describe } from "node:test";
import type { ConfigOverrides } from "../../src/config/schema.js";
import { ENGINES, type Engine } from "./databases.js";
import { startTestServer, type TestServer, type TestServerOptions } from "./server.js";

export interface EngineRun {
  engine: Engine;
  /** Whether this pass's servers share events and counters through Redis. */
  redis: boolean;
  /** startTestServer on this pass's engine (and Redis). */
  start(overrides?: ConfigOverrides, options?: TestServerOptions): Promise<TestServer>;
}

export interface EngineSuiteOptions {
  /** Run the PostgreSQL pass with Redis. SQLite is one process, alone, and stays so. */
  redis?: boolean;
}

type SuiteBody = (run: EngineRun) => void;

export function forEachEngine(title: string, body: SuiteBody): void;
export function forEachEngine(title: string, options: EngineSuiteOptions, body: SuiteBody): void;
export function forEachEngine(
  title: string,
  second: EngineSuiteOptions | SuiteBody,
  third?: SuiteBody,
): void {
  const [options, body] = typeof second === "function" ? [{}, second] : [second, third];
  if (!body) throw new Error("forEachEngine needs a suite body");
  for (const engine of ENGINES) {
    const redis = engine === "postgres" && options.redis === true;
    const run: EngineRun = {
      engine,
      redis,
      start: (overrides = {}, serverOptions = {}) =>
        startTestServer(overrides, { database: engine, redis, ...serverOptions }),
    };
    describe(`${title} [${redis ? "postgres + redis" : engine}]`, () => body(run));
  }
}
