/**
 * The slash commands of interactive mode: their help text and Tab completion, which
 * completes command words and, after /open, the names conversations can be opened by.
 */
import type { ConversationView } from "@private-chat/sdk";
import { directPeer, shortId } from "./resolve.js";
import { safeInline } from "./sanitize.js";

export const REPL_HELP = [
  "/list              list conversations, numbered",
  "/open <name|N>     show a conversation (title, @user, id prefix or list number) and follow it",
  "/open @user --encrypted  the end-to-end encrypted direct chat, where there is a plain one too",
  "/close             stop following the open conversation",
  "/requests          list message requests (waiting ones, then declined), numbered as in /list",
  "/accept [name|N]   accept a message request (default: the open conversation)",
  "/decline [name|N]  decline a message request (default: the open conversation)",
  "/block @user       block a person: their group messages are hidden from then on",
  "/unblock @user     unblock a person",
  "/blocked           list the people you blocked",
  "/help              this help",
  "/quit              leave (Ctrl-D works too)",
  'Any other line is sent to the open conversation; start it with "//" to send a leading "/".',
];

const COMMAND_WORDS = [
  "/list",
  "/open ",
  "/close",
  "/requests",
  "/accept",
  "/decline",
  "/block ",
  "/unblock ",
  "/blocked",
  "/help",
  "/quit",
];

export function completerFor(
  conversations: () => ConversationView[],
  meId: string,
): (line: string) => [string[], string] {
  return (line) => {
    const open = /^\/(?:o|open|accept|decline)\s+(.*)$/.exec(line);
    if (!open) return [COMMAND_WORDS.filter((w) => w.startsWith(line)), line];
    const partial = open[1] ?? "";
    // Completions are printed by readline, so they are cleaned like any other output.
    const options = conversations()
      .map((c) => (c.type === "direct" ? `@${directPeer(c, meId)}` : (c.title ?? shortId(c.id))))
      .map(safeInline)
      .filter((o) => o.toLowerCase().startsWith(partial.toLowerCase()));
    return [options, partial];
  };
}
