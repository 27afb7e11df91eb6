/**
 * bot subscribe|subscriptions|unsubscribe and bot command add|list|remove: a bot's
 * outgoing integrations, which the server POSTs to over HTTPS. A new signing secret goes
 * to standard output alone (so `$(chat-client bot subscribe …)` captures it), what it
 * belongs to and that it is shown once to standard error, as with tokens.
 */
import {
  type ApiClient,
  type CommandView,
  SUBSCRIBABLE_EVENTS,
  type SubscribableEvent,
  type SubscriptionView,
} from "@private-chat/sdk";
import type { Values } from "../args.js";
import { stringOption } from "../args.js";
import { findBot } from "../bot-arg.js";
import { requireCredentials } from "../current-user.js";
import { CliError, EXIT_OK, usageError } from "../errors.js";
import { formatTime } from "../format.js";
import type { Io } from "../io.js";
import { safeInline, safeJson, truncate } from "../sanitize.js";
import { apiFor } from "../session.js";

/** The same rule as the server's, checked first so a typo is named before anything is sent. */
export const COMMAND_NAME = /^[a-z0-9][a-z0-9_-]{0,31}$/;

/** Exactly `names.length` words, or a usage error saying what `what` takes. */
function words(given: string[], names: string[], what: string): string[] {
  if (given.length < names.length) throw usageError(`${what}: missing <${names[given.length]}>`);
  if (given.length > names.length)
    throw usageError(`${what}: unexpected argument "${given[names.length]}"`);
  return given;
}

async function botOf(ref: string) {
  const api = apiFor(await requireCredentials());
  return { api, bot: await findBot(api, ref) };
}

function eventsOf(given: string[]): SubscribableEvent[] {
  if (given.length === 0)
    throw usageError(`bot subscribe: give at least one event (${SUBSCRIBABLE_EVENTS.join(", ")})`);
  for (const event of given)
    if (!(SUBSCRIBABLE_EVENTS as readonly string[]).includes(event))
      throw usageError(
        `unknown event "${safeInline(event)}"; the events are ${SUBSCRIBABLE_EVENTS.join(", ")}`,
      );
  return [...new Set(given)] as SubscribableEvent[];
}

/** The delivery log in a few words: what happened last, and what is lost. */
function deliveryState(s: SubscriptionView): string {
  const parts: string[] = [];
  if (s.last_attempt_at === null) parts.push("not tried yet");
  else if (s.last_error === null) {
    const status = s.last_status === null ? "" : ` ${s.last_status}`;
    parts.push(`ok${status} ${formatTime(s.last_attempt_at)}`);
  } else {
    const status = s.last_status === null ? "" : `${s.last_status} `;
    parts.push(`failing: ${status}${truncate(safeInline(s.last_error), 60)}`);
    if (s.retry_at !== null) parts.push(`retry ${formatTime(s.retry_at)}`);
  }
  if (s.dropped > 0) parts.push(`${s.dropped} dropped`);
  return parts.join(", ");
}

function subscriptionLine(io: Io, s: SubscriptionView): string {
  const queued = `queued ${s.queued}`.padEnd(10);
  return `${s.id}  ${safeInline(s.url)}  ${s.events.join(",")}  ${queued}  ${io.outStyle.dim(deliveryState(s))}`;
}

export async function botSubscription(
  action: "subscribe" | "subscriptions" | "unsubscribe",
  values: Values,
  args: string[],
  io: Io,
): Promise<number> {
  switch (action) {
    case "subscribe": {
      const [ref, url, ...events] = args;
      if (!ref) throw usageError("bot subscribe: missing <bot>");
      if (!url) throw usageError("bot subscribe: missing <url>");
      const wanted = eventsOf(events);
      const { api, bot } = await botOf(ref);
      const made = await api.integrations.subscribe(bot.id, { url, events: wanted });
      if (values.json) io.out(safeJson(made, 2));
      else {
        io.out(made.secret);
        io.err(
          io.errStyle.dim(
            `subscription ${made.subscription.id} of @${safeInline(bot.username)} to ${wanted.join(", ")}: its signing secret is shown once, keep it safe`,
          ),
        );
      }
      return EXIT_OK;
    }
    case "subscriptions": {
      const [ref] = words(args, ["bot"], "bot subscriptions");
      const { api, bot } = await botOf(ref ?? "");
      const list = await api.integrations.subscriptions(bot.id);
      if (values.json) io.out(safeJson(list, 2));
      else if (list.length === 0) io.err(io.errStyle.dim("it has no subscriptions"));
      else for (const s of list) io.out(subscriptionLine(io, s));
      return EXIT_OK;
    }
    case "unsubscribe": {
      const [ref, id] = words(args, ["bot", "subscription-id"], "bot unsubscribe");
      const { api, bot } = await botOf(ref ?? "");
      await api.integrations.unsubscribe(bot.id, id ?? "");
      if (values.json) io.out(safeJson({ deleted: id }));
      else io.out(`deleted subscription ${safeInline(id ?? "")}`);
      return EXIT_OK;
    }
  }
}

function commandLine(c: CommandView): string {
  const usage = c.usage ? ` ${safeInline(c.usage)}` : "";
  const description = c.description ? `  ${safeInline(c.description)}` : "";
  return `${c.id}  /${c.name}${usage}  ${safeInline(c.url)}${description}`;
}

/** A bot's command by id or by name (with or without its slash). */
async function findCommand(api: ApiClient, botId: string, ref: string): Promise<CommandView> {
  const name = ref.replace(/^\//, "").toLowerCase();
  const found = (await api.integrations.commands(botId)).find(
    (c) => c.id === ref || c.name === name,
  );
  if (!found)
    throw new CliError(
      "not_found",
      `the bot has no command "${safeInline(ref)}" (bot command list shows them)`,
    );
  return found;
}

export async function botCommand(values: Values, args: string[], io: Io): Promise<number> {
  const [action, ...rest] = args;
  if (action !== "add" && (values.description !== undefined || values.usage !== undefined))
    throw usageError(`bot command ${action ?? ""}: only add takes --description and --usage`);
  switch (action) {
    case "add": {
      const [ref, given, url] = words(rest, ["bot", "name", "url"], "bot command add");
      const name = (given ?? "").replace(/^\//, "");
      if (!COMMAND_NAME.test(name))
        throw usageError(
          `"${safeInline(given ?? "")}" is not a command name: 1 to 32 of a-z, 0-9, _ and -, starting with a letter or digit`,
        );
      const description = stringOption(values, "description");
      const usage = stringOption(values, "usage");
      const { api, bot } = await botOf(ref ?? "");
      const made = await api.integrations.addCommand(bot.id, {
        name,
        url: url ?? "",
        ...(description === undefined ? {} : { description }),
        ...(usage === undefined ? {} : { usage }),
      });
      if (values.json) io.out(safeJson(made, 2));
      else {
        io.out(made.secret);
        io.err(
          io.errStyle.dim(
            `command /${made.command.name} (${made.command.id}) of @${safeInline(bot.username)}: its signing secret is shown once, keep it safe`,
          ),
        );
      }
      return EXIT_OK;
    }
    case "list": {
      const [ref] = words(rest, ["bot"], "bot command list");
      const { api, bot } = await botOf(ref ?? "");
      const list = await api.integrations.commands(bot.id);
      if (values.json) io.out(safeJson(list, 2));
      else if (list.length === 0) io.err(io.errStyle.dim("it has no commands"));
      else for (const c of list) io.out(commandLine(c));
      return EXIT_OK;
    }
    case "remove": {
      const [ref, which] = words(rest, ["bot", "name-or-id"], "bot command remove");
      const { api, bot } = await botOf(ref ?? "");
      const found = await findCommand(api, bot.id, which ?? "");
      await api.integrations.removeCommand(bot.id, found.id);
      if (values.json) io.out(safeJson({ deleted: found.id }));
      else io.out(`removed /${found.name}`);
      return EXIT_OK;
    }
    default:
      throw usageError("bot command: say add, list or remove");
  }
}
