/**
 * A real OpenID Provider for tests: `oidc-provider` (a certified implementation) over
 * HTTPS on 127.0.0.1 with the throw-away certificate the server trusts. Its people are
 * what the test puts in `accounts`; its sign-in page signs in as `nextLogin` at once (or
 * refuses, with "deny"), so a test follows the redirects with plain requests.
 * `followSignIn` is such a browser: it keeps the provider's cookies and stops when the
 * redirects lead back to the web app.
 */
import assert from "node:assert/strict";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { importJWK, type JWK, SignJWT } from "jose";
import Provider from "oidc-provider";
import { type OidcProviderConfig, oidcProviderSchema } from "../../src/config/schema.js";
import type { TestUser } from "./factories.js";
import { client } from "./http.js";

export interface TestAccount {
  preferred_username?: string;
  name?: string;
  groups?: string[];
  email?: string;
  email_verified?: boolean;
}

export class TestOidcProvider {
  readonly accounts = new Map<string, TestAccount>();
  /** Who the sign-in page signs in next: an account's subject, or "deny". */
  nextLogin = "";
  readonly clientId = "chat-server";
  readonly clientSecret = randomBytes(24).toString("base64url");
  private server: Server | undefined;
  private provider: Provider | undefined;
  private signingKey: JWK | undefined;
  issuer = "";

  constructor(private readonly tls: { cert: string; key: string }) {}

  /** Listens first, so that the chat server can be configured with the issuer. */
  async listen(): Promise<string> {
    this.server = createServer({ cert: this.tls.cert, key: this.tls.key }, (req, res) => {
      void this.handle(req, res);
    });
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
    this.issuer = `https://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.issuer;
  }

  /**
   * Registers the chat server as a client, with its redirect URIs (one per provider id);
   * with `deviceFlow`, the provider offers the device authorization grant too, asking to
   * be polled every second (RFC 8628's default of 5 would only slow the tests down).
   */
  register(
    chatServerUrl: string,
    providerIds: string[],
    options: { deviceFlow?: boolean } = {},
  ): void {
    const jwk = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({
      format: "jwk",
    });
    this.signingKey = { ...jwk, kid: "test", alg: "RS256" } as JWK;
    this.provider = new Provider(this.issuer, {
      clients: [
        {
          client_id: this.clientId,
          client_secret: this.clientSecret,
          redirect_uris: providerIds.map(
            (id) => `${chatServerUrl}/api/v1/auth/oidc/${id}/callback`,
          ),
          response_types: ["code"],
          grant_types: [
            "authorization_code",
            "refresh_token",
            ...(options.deviceFlow ? ["urn:ietf:params:oauth:grant-type:device_code"] : []),
          ],
        },
      ],
      jwks: { keys: [{ ...jwk, kid: "test", use: "sig", alg: "RS256" }] },
      cookies: { keys: [randomBytes(16).toString("hex")] },
      scopes: ["openid", "profile", "email", "groups"],
      claims: {
        openid: ["sub"],
        profile: ["preferred_username", "name"],
        email: ["email", "email_verified"],
        groups: ["groups"],
      },
      features: {
        devInteractions: { enabled: false },
        deviceFlow: { enabled: options.deviceFlow === true },
      },
      // Every sign-in gets a refresh token: the server's periodic check uses it.
      issueRefreshToken: () => true,
      interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
      findAccount: (_ctx, sub) => {
        const account = this.accounts.get(sub);
        if (!account) return undefined;
        return { accountId: sub, claims: () => ({ sub, ...account }) };
      },
    });
    this.provider.on("device_authorization.success", (_ctx, body: Record<string, unknown>) => {
      body.interval = 1;
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const provider = this.provider;
    if (!provider) {
      res.writeHead(503).end();
      return;
    }
    if (!req.url?.startsWith("/interaction/")) {
      provider.callback()(req, res);
      return;
    }
    try {
      const details = await provider.interactionDetails(req, res);
      if (details.prompt.name === "login") {
        const result =
          this.nextLogin === "deny" || !this.accounts.has(this.nextLogin)
            ? { error: "access_denied", error_description: "the person said no" }
            : { login: { accountId: this.nextLogin } };
        await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
        return;
      }
      // Consent: everything the client asked for, as a first-party app gets.
      const grant = new provider.Grant({
        accountId: String(details.session?.accountId),
        clientId: this.clientId,
      });
      grant.addOIDCScope(String(details.params.scope));
      const grantId = await grant.save();
      await provider.interactionFinished(
        req,
        res,
        { consent: { grantId } },
        { mergeWithLastSubmission: true },
      );
    } catch (err) {
      res.writeHead(500).end(String(err));
    }
  }

  /**
   * A back-channel logout token for `sub`, signed with the provider's own key (or, to
   * forge one, with `key`), as the provider posts it when a person signs out there.
   */
  async logoutToken(
    sub: string,
    changes: { audience?: string; key?: JWK; nonce?: string; event?: boolean } = {},
  ): Promise<string> {
    const jwk = changes.key ?? this.signingKey;
    if (!jwk) throw new Error("register() first");
    const claims: Record<string, unknown> = {
      sub,
      events:
        changes.event === false ? {} : { "http://schemas.openid.net/event/backchannel-logout": {} },
    };
    if (changes.nonce) claims.nonce = changes.nonce;
    return new SignJWT(claims)
      .setProtectedHeader({ alg: "RS256", kid: "test", typ: "logout+jwt" })
      .setIssuer(this.issuer)
      .setAudience(changes.audience ?? this.clientId)
      .setIssuedAt()
      .setJti(randomBytes(8).toString("hex"))
      .sign(await importJWK(jwk, "RS256"));
  }

  /**
   * A `[[oidc.providers]]` table for this provider (call listen() first), with the client
   * secret in a 0600 file under `dir`, and `fields` over the defaults.
   */
  providerConfig(dir: string, fields: Record<string, unknown>): OidcProviderConfig {
    const secretFile = join(dir, `${String(fields.id)}.secret`);
    writeFileSync(secretFile, `${this.clientSecret}\n`, { mode: 0o600 });
    return oidcProviderSchema.parse({
      issuer: this.issuer,
      client_id: this.clientId,
      client_secret_file: secretFile,
      ...fields,
    });
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      if (!this.server) return resolve();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

/** Where the redirects lead back to the web app, and the fragment it gets there. */
export interface SignInEnd {
  url: URL;
  /** The fragment's route: ["oidc", code] or ["oidc-error", code, message]. */
  route: string[];
}

/**
 * Follows a sign-in's redirects from `start` as a browser would (keeping cookies per
 * host), until one leads to the web app (a URL with a `#/` fragment). `tamper` may
 * rewrite a URL on the way (to try a changed state, say).
 */
export async function followSignIn(
  start: string,
  tamper: (url: URL) => URL = (url) => url,
  /** Cookies the browser holds already: "host" → the Set-Cookie lines it was given. */
  held: Record<string, string[]> = {},
): Promise<SignInEnd> {
  const jar = new Map<string, Map<string, string>>();
  for (const [host, lines] of Object.entries(held)) keep(jar, host, lines);
  let url = new URL(start);
  for (let hop = 0; hop < 12; hop++) {
    if (url.hash.startsWith("#/")) {
      const route = url.hash.slice(2).split("/").map(decodeURIComponent);
      return { url, route };
    }
    const cookies = keep(jar, url.host, []);
    const res = await fetch(url, {
      redirect: "manual",
      headers: { cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join("; ") },
    });
    keep(jar, url.host, res.headers.getSetCookie());
    const location = res.headers.get("location");
    if (!location)
      throw new Error(`${url.href} answered ${res.status} without a redirect: ${await res.text()}`);
    url = tamper(new URL(location, url));
  }
  throw new Error("too many redirects");
}

/**
 * Enters a device sign-in's code at the provider as a person in a browser would: opens
 * `verificationUri` (the address that carries the code), submits each form the provider
 * shows (the code, then "Continue"), follows the redirects through its sign-in page, and
 * returns the last page's text ("Sign-in Success", or the provider's error above the
 * code entry form).
 */
export async function confirmDevice(verificationUri: string): Promise<string> {
  const jar = new Map<string, Map<string, string>>();
  let url = new URL(verificationUri);
  let form: URLSearchParams | undefined;
  for (let hop = 0; hop < 16; hop++) {
    const cookies = keep(jar, url.host, []);
    const res = await fetch(url, {
      method: form ? "POST" : "GET",
      redirect: "manual",
      headers: {
        cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join("; "),
        ...(form ? { "content-type": "application/x-www-form-urlencoded" } : {}),
      },
      ...(form ? { body: form.toString() } : {}),
    });
    keep(jar, url.host, res.headers.getSetCookie());
    const location = res.headers.get("location");
    const page = location ? "" : await res.text();
    // The code entry form again is the provider's answer (a refusal, say), not a step.
    const action = page.includes('id="op.deviceInputForm"')
      ? undefined
      : /<form[^>]*action="([^"]+)"/.exec(page)?.[1];
    if (location) {
      url = new URL(location, url);
      form = undefined;
    } else if (action) {
      form = new URLSearchParams();
      for (const input of page.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g))
        form.set(input[1] as string, input[2] as string);
      url = new URL(action.replaceAll("&amp;", "&"), url);
    } else {
      return page;
    }
  }
  throw new Error("too many steps");
}

/** Keeps Set-Cookie lines' values for `host` (paths aside); its cookies. */
function keep(jar: Map<string, Map<string, string>>, host: string, lines: string[]) {
  const cookies = jar.get(host) ?? new Map<string, string>();
  jar.set(host, cookies);
  for (const line of lines) {
    const [pair = ""] = line.split(";");
    const at = pair.indexOf("=");
    cookies.set(pair.slice(0, at), pair.slice(at + 1));
  }
  return cookies;
}

/**
 * Signs in through provider `providerId` as the provider's account `sub` (set to
 * `account` first), as a browser would; the session, as a test user (no password).
 */
export async function signInThrough(
  serverUrl: string,
  idp: TestOidcProvider,
  sub: string,
  account: TestAccount,
  providerId = "corp",
): Promise<TestUser> {
  idp.accounts.set(sub, account);
  idp.nextLogin = sub;
  const end = await followSignIn(`${serverUrl}/api/v1/auth/oidc/${providerId}/start`);
  assert.equal(end.route[0], "oidc", end.route.join("/"));
  const res = await client(serverUrl).post("/api/v1/auth/oidc/exchange", { code: end.route[1] });
  assert.equal(res.status, 200, res.text);
  return {
    id: res.body.user.id as string,
    username: res.body.user.username as string,
    password: "",
    token: res.body.token as string,
  };
}
