/**
 * An account's links to the server's OpenID Connect providers, from Settings: which
 * providers it signs in through, linking one (a sign-in at the provider, started with the
 * password asked again) and unlinking one.
 */
import { z } from "zod/mini";

export const providerLinkView = z.object({
  id: z.string(),
  name: z.string(),
  /** This account signs in through the provider. */
  linked: z.boolean(),
  /** The provider's accounts here sign in through it only, never with a password. */
  provider_only: z.boolean(),
});
export type ProviderLinkView = z.infer<typeof providerLinkView>;

/** `GET /api/v1/me/sign-in-providers`. */
export const providerLinksResponse = z.object({ providers: z.array(providerLinkView) });
export type ProviderLinksResponse = z.infer<typeof providerLinksResponse>;

/** `POST /api/v1/me/sign-in-providers/:provider/link`: where the browser goes next. */
export const providerLinkStart = z.object({
  /** The provider's sign-in page; it comes back to Settings (#/settings/linked/<id>). */
  url: z.string(),
});
export type ProviderLinkStart = z.infer<typeof providerLinkStart>;
