/**
 * login, register, logout and whoami: getting a session token, keeping it in the
 * credentials file, and giving it back. The token itself is never printed.
 */
import { readFileSync } from "node:fs";
import {
  ApiClient,
  ApiError,
  type AuthResponse,
  type OidcDeviceStart,
  type SecondFactor,
} from "@private-chat/sdk";
import { stringOption, type Values } from "../args.js";
import {
  type Credentials,
  credentialsPath,
  deleteCredentials,
  loadCredentials,
  requireSavedCredentials,
  saveCredentials,
} from "../credentials.js";
import { requireCredentials } from "../current-user.js";
import { CliError, EXIT_ERROR, EXIT_OK, isSessionGone, usageError } from "../errors.js";
import type { Io } from "../io.js";
import { Prompter } from "../prompt.js";
import { safeInline, safeJson } from "../sanitize.js";
import { apiFor } from "../session.js";

/** A server base URL without a trailing slash; only http(s). */
export function normalizeServer(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw usageError(`--server must be a URL such as https://chat.example.com, not "${raw}"`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw usageError(`--server must be an http:// or https:// URL, not "${raw}"`);
  }
  return `${url.origin}${url.pathname}`.replace(/\/+$/, "");
}

export function readPasswordFile(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new CliError("usage", `cannot read the password file ${path}: ${(err as Error).message}`);
  }
  const password = text.split(/\r?\n/)[0] ?? "";
  if (password === "") throw new CliError("usage", `the password file ${path} is empty`);
  return password;
}

/** The saved session if there is a readable one; login replaces a broken file anyway. */
function savedCredentials(): Credentials | undefined {
  try {
    return loadCredentials();
  } catch {
    return undefined;
  }
}

interface Answers {
  server: string;
  username: string;
  password: string;
}

async function gather(values: Values, prompter: Prompter, confirm: boolean): Promise<Answers> {
  const given = stringOption(values, "server") ?? savedCredentials()?.server;
  if (!given) throw usageError("--server URL is required");
  const server = normalizeServer(given);
  const username =
    stringOption(values, "username") ?? (await prompter.ask("Username: ", "username"));
  if (username === "") throw new CliError("usage", "the username is empty");
  const file = stringOption(values, "password-file");
  let password = file ? readPasswordFile(file) : await prompter.secret("Password: ", "password");
  if (!file && prompter.interactive && confirm) {
    const again = await prompter.secret("Password (again): ", "password");
    if (again !== password) throw new CliError("usage", "the passwords do not match");
  }
  if (!file) password = password.replace(/\r$/, "");
  return { server, username, password };
}

/** Saves the new session, ending the one it replaces so it does not linger on the server. */
async function keep(server: string, auth: AuthResponse, io: Io, verb: string): Promise<number> {
  const previous = savedCredentials();
  const credentials: Credentials = {
    server,
    token: auth.token,
    username: auth.user.username,
    user_id: auth.user.id,
  };
  const path = saveCredentials(credentials);
  if (previous && previous.token !== auth.token) {
    await apiFor(previous)
      .logout()
      .catch(() => {});
  }
  io.out(`${verb} as ${safeInline(auth.user.username)} on ${server}`);
  io.err(io.errStyle.dim(`session saved in ${path}`));
  return EXIT_OK;
}

/**
 * Six digits are a code from the authenticator app; anything else is taken for a
 * recovery code (xxxx-xxxx-xxxx).
 */
export function secondFactorOf(answer: string): SecondFactor {
  const text = answer.trim();
  return /^\d{3}\s?\d{3}$/.test(text)
    ? { totp_code: text.replace(/\s/g, "") }
    : { recovery_code: text };
}

/**
 * Signing in through a provider's device authorization grant: the person enters the
 * printed code at the provider's address, in any browser (a phone's will do), while the
 * client polls; undefined when the provider offers none (an older server, too, answers
 * 404), so that the address to open is printed instead.
 */
async function loginWithDevice(
  api: ApiClient,
  providerId: string,
  io: Io,
): Promise<AuthResponse | undefined> {
  let device: OidcDeviceStart;
  try {
    device = await api.oidcDeviceStart(providerId);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return undefined;
    throw err;
  }
  io.err("Open this address in a browser and enter the code:");
  // The provider's words reach the terminal: without control sequences.
  io.err(`  ${safeInline(device.verification_uri)}`);
  io.err(`  Code: ${safeInline(device.user_code)}`);
  if (device.verification_uri_complete)
    io.err(
      `Or open this one, which carries the code:\n  ${safeInline(device.verification_uri_complete)}`,
    );
  io.err("Waiting for the sign-in to finish (Ctrl-C to stop)...");
  for (;;) {
    const answer = await api.oidcDevicePoll(device.device_id);
    if (!("pending" in answer)) return answer;
  }
}

/**
 * Signing in through one of the server's OpenID Connect providers: with a code entered
 * at the provider when it offers device sign-in; otherwise the person opens the printed
 * address in a browser, signs in there, and pastes the code the browser shows.
 */
async function loginWithProvider(
  values: Values,
  io: Io,
  prompter: Prompter,
  providerId: string,
): Promise<number> {
  const given = stringOption(values, "server") ?? savedCredentials()?.server;
  if (!given) throw usageError("--server URL is required");
  const server = normalizeServer(given);
  const api = new ApiClient({ baseUrl: server });
  const { sign_in_providers: providers } = await api.serverInfo();
  if (!providers.some((p) => p.id === providerId)) {
    const known = providers.map((p) => p.id).join(", ") || "none";
    throw usageError(`the server has no sign-in provider "${providerId}" (it has: ${known})`);
  }
  const byDevice = await loginWithDevice(api, providerId, io);
  if (byDevice) return keep(server, byDevice, io, "logged in");
  io.err("Open this address in a browser, sign in, and paste the code it shows:");
  io.err(`  ${api.oidcStartUrl(providerId)}?for=terminal`);
  const code = await prompter.ask("Code: ", "code");
  if (code === "") throw new CliError("usage", "the code is empty");
  return keep(server, await api.oidcExchange(code), io, "logged in");
}

export async function login(values: Values, io: Io): Promise<number> {
  const prompter = new Prompter();
  try {
    const provider = stringOption(values, "provider");
    if (provider !== undefined) return await loginWithProvider(values, io, prompter, provider);
    const answers = await gather(values, prompter, false);
    const api = new ApiClient({ baseUrl: answers.server });
    let auth: AuthResponse;
    try {
      auth = await api.login(answers.username, answers.password);
    } catch (err) {
      if (!(err instanceof ApiError && err.code === "second_factor_required")) throw err;
      // The password was right: ask for the code (a piped stdin gives it as the next line).
      const code =
        stringOption(values, "code") ??
        (await prompter.ask("Code from your authenticator app, or a recovery code: ", "code"));
      if (code === "") throw new CliError("usage", "the code is empty");
      auth = await api.login(answers.username, answers.password, secondFactorOf(code));
    }
    return await keep(answers.server, auth, io, "logged in");
  } finally {
    prompter.close();
  }
}

export async function register(values: Values, io: Io): Promise<number> {
  const prompter = new Prompter();
  try {
    const answers = await gather(values, prompter, true);
    const api = new ApiClient({ baseUrl: answers.server });
    let invite = stringOption(values, "invite-code");
    if (invite === undefined) {
      const info = await api.serverInfo();
      if (info.registration === "invite")
        invite = await prompter.ask("Invite code: ", "invite code");
    }
    const displayName = stringOption(values, "display-name");
    const auth = await api.register({
      username: answers.username,
      password: answers.password,
      ...(invite ? { invite_code: invite } : {}),
      ...(displayName ? { display_name: displayName } : {}),
    });
    return await keep(answers.server, auth, io, "registered and logged in");
  } finally {
    prompter.close();
  }
}

export async function logout(_values: Values, io: Io): Promise<number> {
  const credentials = requireSavedCredentials();
  let failure: ApiError | undefined;
  try {
    await apiFor(credentials).logout();
  } catch (err) {
    // A session the server already ended is as good as revoked.
    if (!(err instanceof ApiError)) throw err;
    if (!isSessionGone(err)) failure = err;
  }
  deleteCredentials();
  if (failure) {
    io.err(
      `chat-client: ${failure.code}: could not end the session on the server (${safeInline(failure.message)}); removed ${credentialsPath()} anyway`,
    );
    return EXIT_ERROR;
  }
  io.out(`logged out ${safeInline(credentials.username)} from ${safeInline(credentials.server)}`);
  return EXIT_OK;
}

export async function whoami(values: Values, io: Io): Promise<number> {
  const credentials = await requireCredentials();
  const user = await apiFor(credentials).me();
  if (values.json) {
    io.out(safeJson({ server: credentials.server, user }));
  } else {
    const display = user.display_name && user.display_name !== user.username;
    const name = display ? ` (${safeInline(user.display_name)})` : "";
    io.out(`${safeInline(user.username)}${name} on ${safeInline(credentials.server)}`);
  }
  return EXIT_OK;
}
