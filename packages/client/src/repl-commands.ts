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
  "/close             stop following the open conversation",
  "/help              this help",
  "/quit              leave (Ctrl-D works too)",
  'Any other line is sent to the open conversation; start it with "//" to send a leading "/".',
];

const COMMAND_WORDS = ["/list", "/open ", "/close", "/help", "/quit"];

export function completerFor(
  conversations: () => ConversationView[],
  meId: string,
): (line: string) => [string[], string] {
  return (line) => {
    const open = /^\/o(?:pen)?\s+(.*)$/.exec(line);
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
