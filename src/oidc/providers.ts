/**
 * The configured OpenID Connect providers ([[oidc.providers]]): each one's client secret,
 * read at start, and its discovered metadata (issuer, endpoints, keys), fetched through
 * openid-client when first needed and kept; a provider that cannot be reached is asked
 * again at the next sign-in rather than stopping the server.
 */
import * as client from "openid-client";
import type { OidcProviderConfig } from "../config/schema.js";
import { AppError } from "../errors.js";
import { clientSecret } from "./client-secret.js";

/** How long a request to a provider may take. */
const TIMEOUT_SECONDS = 10;

/** A provider that did not answer (discovery, a device code, a poll): try again later. */
export function providerUnavailable(name: string, err: unknown): AppError {
  return new AppError(
    "provider_unavailable",
    `the sign-in provider ${name} cannot be reached (${(err as Error).message}); try again later`,
  );
}

export interface OidcProvider {
  config: OidcProviderConfig;
  /** "oidc:<id>": the provider's name in external_identities. */
  key: string;
  configuration(): Promise<client.Configuration>;
}

export class OidcProviders {
  private readonly byId = new Map<string, OidcProvider>();

  constructor(configs: OidcProviderConfig[], env: NodeJS.ProcessEnv = process.env) {
    for (const config of configs) {
      const secret = clientSecret(config, env);
      let discovered: Promise<client.Configuration> | undefined;
      const configuration = () => {
        discovered ??= client
          .discovery(new URL(config.issuer), config.client_id, secret, undefined, {
            timeout: TIMEOUT_SECONDS,
          })
          .catch((err: unknown) => {
            discovered = undefined;
            throw providerUnavailable(config.name, err);
          });
        return discovered;
      };
      this.byId.set(config.id, { config, key: `oidc:${config.id}`, configuration });
    }
  }

  /** The providers shown as "Sign in with ..." buttons. */
  list(): { id: string; name: string }[] {
    return [...this.byId.values()].map((p) => ({ id: p.config.id, name: p.config.name }));
  }

  get(id: string): OidcProvider {
    const provider = this.byId.get(id);
    if (!provider) throw new AppError("not_found", `no sign-in provider is called "${id}"`);
    return provider;
  }
}
