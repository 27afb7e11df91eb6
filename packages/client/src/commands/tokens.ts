/**
 * token create|list|revoke, bot create|list|tokens|delete: personal access tokens and
 * bots (a bot's subscriptions and commands: outgoing.ts). A new token's secret goes to
 * standard output alone (so `$(chat-client token create …)` captures it), what it is to
 * standard error; these need a sign-in, not a personal access token.
 */
import { TOKEN_SCOPES, type TokenScope, type TokenView } from "@private-chat/sdk";
import type { Values } from "../args.js";
import { stringOption } from "../args.js";
import { findBot } from "../bot-arg.js";
import { requireCredentials } from "../current-user.js";
import { EXIT_OK, usageError } from "../errors.js";
import { formatTime } from "../format.js";
import type { Io } from "../io.js";
import { safeInline, safeJson } from "../sanitize.js";
import { apiFor } from "../session.js";
import { botCommand, botSubscription } from "./outgoing.js";

const DAY_MS = 86_400_000;

function scopesOf(values: Values, fallback?: TokenScope[]): TokenScope[] | undefined {
  const given = values.scope;
  const list = Array.isArray(given) ? given : typeof given === "string" ? [given] : [];
  if (list.length === 0) return fallback;
  for (const scope of list)
    if (!(TOKEN_SCOPES as readonly string[]).includes(scope))
      throw usageError(`unknown scope "${scope}"; the scopes are ${TOKEN_SCOPES.join(", ")}`);
  return list as TokenScope[];
}

function expiryOf(values: Values): number | undefined {
  const days = stringOption(values, "expires-in-days");
  if (days === undefined) return undefined;
  if (!/^\d{1,4}$/.test(days) || Number(days) < 1)
    throw usageError(
      `--expires-in-days takes a whole number of days from 1 to 9999, not "${days}"`,
    );
  return Date.now() + Number(days) * DAY_MS;
}

function tokenLine(io: Io, t: TokenView): string {
  const used = t.last_used_at === null ? "never used" : `used ${formatTime(t.last_used_at)}`;
  const expires = t.expires_at === null ? "no expiry" : `expires ${formatTime(t.expires_at)}`;
  return `${t.id}  ${safeInline(t.name).padEnd(20)}  ${t.scopes.join(",")}  ${io.outStyle.dim(`${used}, ${expires}`)}`;
}

function printTokens(io: Io, values: Values, tokens: TokenView[], none: string): number {
  if (values.json) io.out(safeJson(tokens, 2));
  else if (tokens.length === 0) io.err(io.errStyle.dim(none));
  else for (const t of tokens) io.out(tokenLine(io, t));
  return EXIT_OK;
}

export async function token(values: Values, positionals: string[], io: Io): Promise<number> {
  const [action, arg] = positionals;
  const api = apiFor(await requireCredentials());
  switch (action) {
    case "create": {
      if (!arg) throw usageError("token create: missing <name>");
      const scopes = scopesOf(values);
      if (!scopes)
        throw usageError(`token create: give at least one --scope (${TOKEN_SCOPES.join(", ")})`);
      const expires = expiryOf(values);
      const made = await api.integrations.createToken({
        name: arg,
        scopes,
        ...(expires === undefined ? {} : { expires_at: expires }),
      });
      if (values.json) io.out(safeJson(made, 2));
      else {
        io.out(made.token);
        io.err(
          io.errStyle.dim(
            `token ${made.access_token.id} (${scopes.join(", ")}): shown once, keep it safe`,
          ),
        );
      }
      return EXIT_OK;
    }
    case "list":
      return printTokens(io, values, await api.integrations.tokens(), "you have no tokens");
    case "revoke":
      if (!arg) throw usageError("token revoke: missing <id>");
      await api.integrations.revokeToken(arg);
      if (values.json) io.out(safeJson({ revoked: arg }));
      else io.out(`revoked token ${safeInline(arg)}`);
      return EXIT_OK;
    default:
      throw usageError("token: say create, list or revoke");
  }
}

/** The bot options each action takes; any other action given one is a usage error. */
const BOT_OPTIONS: Record<string, string[]> = {
  create: ["scope", "display-name"],
  command: ["description", "usage"],
};

function checkBotArgs(values: Values, positionals: string[]): void {
  const [action = "", ...words] = positionals;
  for (const option of ["scope", "display-name", "description", "usage"])
    if (values[option] !== undefined && !BOT_OPTIONS[action]?.includes(option))
      throw usageError(`bot ${action}: does not take --${option}`);
  // The subcommands that take their words themselves check how many they got.
  const most: Record<string, number> = { create: 1, list: 0, tokens: 1, delete: 1 };
  const limit = most[action];
  if (limit !== undefined && words.length > limit)
    throw usageError(`bot ${action}: unexpected argument "${words[limit]}"`);
}

export async function bot(values: Values, positionals: string[], io: Io): Promise<number> {
  checkBotArgs(values, positionals);
  const [action, arg] = positionals;
  if (action === "subscribe" || action === "subscriptions" || action === "unsubscribe")
    return botSubscription(action, values, positionals.slice(1), io);
  if (action === "command") return botCommand(values, positionals.slice(1), io);
  const api = apiFor(await requireCredentials());
  switch (action) {
    case "create": {
      if (!arg) throw usageError("bot create: missing <username>");
      const display = stringOption(values, "display-name");
      const scopes = scopesOf(values);
      const made = await api.integrations.createBot({
        username: arg.replace(/^@/, ""),
        ...(display === undefined ? {} : { display_name: display }),
        ...(scopes === undefined ? {} : { scopes }),
      });
      if (values.json) io.out(safeJson(made, 2));
      else {
        io.out(made.token);
        io.err(
          io.errStyle.dim(`bot @${safeInline(made.bot.username)} made; its token is shown once`),
        );
      }
      return EXIT_OK;
    }
    case "list": {
      const bots = await api.integrations.bots();
      if (values.json) io.out(safeJson(bots, 2));
      else if (bots.length === 0) io.err(io.errStyle.dim("you have no bots"));
      else
        for (const b of bots)
          io.out(
            `@${safeInline(b.bot.username).padEnd(24)}  ${safeInline(b.bot.display_name)}  ${b.bot.id}`,
          );
      return EXIT_OK;
    }
    case "tokens": {
      if (!arg) throw usageError("bot tokens: missing <bot>");
      const found = await findBot(api, arg);
      return printTokens(
        io,
        values,
        await api.integrations.botTokens(found.id),
        "it has no tokens",
      );
    }
    case "delete": {
      if (!arg) throw usageError("bot delete: missing <bot>");
      const found = await findBot(api, arg);
      await api.integrations.deleteBot(found.id);
      if (values.json) io.out(safeJson({ deleted: found.id }));
      else io.out(`deleted bot @${safeInline(found.username)}`);
      return EXIT_OK;
    }
    default:
      throw usageError(
        "bot: say create, list, tokens, delete, subscribe, subscriptions, unsubscribe or command",
      );
  }
}
