/**
 * How the composer reads slash commands in its text: which commands to offer while a
 * name is typed, and `/name text` split for running. Pure, so tested in Node.
 */
import type { AvailableCommand } from "@private-chat/sdk";

const NONE: AvailableCommand[] = [];

/** `/name rest` split into the command's name and its text; null for anything else. */
export function parseCommand(text: string): { name: string; text: string } | null {
  const match = /^\/([a-z0-9][a-z0-9_-]{0,31})(?:\s+([\s\S]*))?$/.exec(text.trim());
  return match?.[1] ? { name: match[1], text: match[2]?.trim() ?? "" } : null;
}

/**
 * The commands to offer while the name is typed: those starting with what follows "/".
 * Once a space follows the name the user has chosen, and nothing is offered.
 */
export function matchingCommands(
  commands: readonly AvailableCommand[],
  text: string,
): AvailableCommand[] {
  if (!text.startsWith("/") || /\s/.test(text)) return NONE;
  const typed = text.slice(1).toLowerCase();
  return commands.filter((c) => c.name.startsWith(typed));
}
