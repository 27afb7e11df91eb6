/**
 * commands and run: the slash commands of a conversation's bots, and running one. The
 * server asks the bot and waits up to 3 seconds; a bot that does not answer is not an
 * error of ours, so `run` tells it apart by its own exit status (3) for scripts.
 */
import type { Values } from "../args.js";
import { namedConversation } from "../conversation-arg.js";
import { CliError, EXIT_NO_ANSWER, EXIT_OK, errorLine, usageError } from "../errors.js";
import { formatMessage } from "../format.js";
import type { Io } from "../io.js";
import { safeInline, safeJson } from "../sanitize.js";
import { COMMAND_NAME } from "./outgoing.js";

export async function commands(values: Values, positionals: string[], io: Io): Promise<number> {
  const { api, conversation } = await namedConversation(positionals[0]);
  const list = await api.integrations.availableCommands(conversation.id);
  if (values.json) io.out(safeJson(list, 2));
  else if (list.length === 0) io.err(io.errStyle.dim("no commands here: no bot in it has any"));
  else
    for (const c of list) {
      const usage = c.usage ? ` ${safeInline(c.usage)}` : "";
      const description = c.description ? `  ${safeInline(c.description)}` : "";
      io.out(
        `${`/${c.name}${usage}`.padEnd(32)}  @${safeInline(c.bot.username)}${io.outStyle.dim(description)}`,
      );
    }
  return EXIT_OK;
}

export async function run(values: Values, positionals: string[], io: Io): Promise<number> {
  const [query, given = "", ...words] = positionals;
  const name = given.replace(/^\//, "");
  if (!COMMAND_NAME.test(name))
    throw usageError(`run: "${safeInline(given)}" is not a command; say /name, as commands lists`);
  const { api, conversation } = await namedConversation(query);
  const text = words.join(" ");
  const result = await api.integrations.runCommand(conversation.id, {
    name,
    ...(text === "" ? {} : { text }),
  });
  if (values.json) io.out(safeJson(result));
  if (result.outcome === "no_answer") {
    // The server's notice, as every failure is shown, but with an exit status of its own.
    io.err(errorLine(new CliError("no_answer", result.text, EXIT_NO_ANSWER)).trimEnd());
    return EXIT_NO_ANSWER;
  }
  if (values.json) return EXIT_OK;
  const bot = `@${safeInline(result.bot.username)}`;
  if (result.message) {
    // Posted to the conversation: shown as tail shows it, since everyone there sees it.
    io.out(formatMessage(result.message, result.bot.username, io.outStyle));
    io.err(io.errStyle.dim(`${bot} answered in the conversation`));
  } else if (result.text === "") {
    io.err(io.errStyle.dim(`${bot} answered with no text`));
  } else {
    // Shown to the caller alone; its lines are kept, each cleaned like any server text.
    for (const line of result.text.split(/\r\n|\n|\r/)) io.out(safeInline(line));
    io.err(io.errStyle.dim(`${bot} answered; only you see this`));
  }
  return EXIT_OK;
}
