/**
 * A provider's client secret: from its file (0600) or its environment variable, or none
 * (a public client). Read at start and by `chat-server config check`, which report a
 * problem as a configuration error.
 */

import type { OidcProviderConfig } from "../config/schema.js";
import { readSecretFile, SecretFileError } from "../config/secret-file.js";

export function clientSecret(
  p: OidcProviderConfig,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  if (p.client_secret_file)
    return readSecretFile(
      p.client_secret_file,
      `[[oidc.providers]] ${p.id}: the client secret file`,
    );
  if (p.client_secret_env) {
    const value = env[p.client_secret_env];
    if (!value)
      throw new SecretFileError(
        `[[oidc.providers]] ${p.id}: the environment variable ${p.client_secret_env} (client_secret_env) is empty`,
      );
    return value;
  }
  // A public client: PKCE alone, as some providers allow for first-party apps.
  return undefined;
}
