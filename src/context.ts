/**
 * The services one chat-server process runs on, built once from the parsed config and
 * passed down explicitly: nothing deeper reads configuration on its own.
 */
import { LoginThrottle, MemoryAttemptCounter } from "./auth/login-throttle.js";
import { AuthService } from "./auth/service.js";
import { TokenService } from "./auth/tokens.js";
import type { Config } from "./config/schema.js";
import type { JwtSecrets } from "./config/secrets.js";
import { DomainEvents } from "./events/bus.js";
import { Metrics } from "./ops/metrics.js";
import type { Store } from "./storage/store.js";

export interface ServerContext {
  config: Config;
  store: Store;
  metrics: Metrics;
  events: DomainEvents;
  tokens: TokenService;
  auth: AuthService;
  startedAt: number;
}

export function createContext(config: Config, store: Store, secrets: JwtSecrets): ServerContext {
  const metrics = new Metrics();
  const events = new DomainEvents();
  const tokens = new TokenService(secrets);
  const throttle = new LoginThrottle(
    new MemoryAttemptCounter(),
    config.rate_limit.max_auth_attempts,
    config.rate_limit.enabled,
  );
  const auth = new AuthService({
    store,
    tokens,
    throttle,
    events,
    registration: config.auth.registration,
    tokenExpirySeconds: config.auth.token_expiry_seconds,
    onAuthFailure: (reason) => metrics.authFailures.inc({ reason }),
  });
  return { config, store, metrics, events, tokens, auth, startedAt: Date.now() };
}
