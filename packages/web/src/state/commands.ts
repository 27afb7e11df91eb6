/**
 * Slash commands: the commands of a conversation's bots (read once per conversation and
 * again when its members change, since a bot joining or leaving changes them), running
 * one, and the answers only the caller sees. Those answers are never stored by the
 * server, so they live here, per conversation, until dismissed or the app is closed.
 */
import type { AvailableCommand, ConversationView, UserView } from "@private-chat/sdk";
import { api } from "../api.js";
import { failed } from "./actions.js";
import { createStore } from "./store.js";

interface Listed {
  /** The members the list was read for. */
  members: string;
  commands: AvailableCommand[];
}

/** conversation id -> its commands, once read. */
export const commandLists = createStore<Record<string, Listed>>({});

export interface CommandNotice {
  id: number;
  command: string;
  bot: UserView;
  text: string;
  /** The bot did not answer: the text is the server's notice, shown as a warning. */
  warning: boolean;
}

/** conversation id -> the answers shown to this user alone, oldest first. */
export const commandNotices = createStore<Record<string, CommandNotice[]>>({});

const NONE: AvailableCommand[] = [];
// A few answers are plenty above a message box; older ones make way.
const KEEP_NOTICES = 3;
let nextId = 1;
const loading = new Map<string, Promise<void>>();

function membersKey(conv: ConversationView): string {
  return conv.members
    .map((m) => m.user.id)
    .sort()
    .join(",");
}

/** The conversation's commands as read so far (none before they are). */
export function commandsOf(lists: Record<string, Listed>, conversationId: string) {
  return lists[conversationId]?.commands ?? NONE;
}

/**
 * Reads the conversation's commands unless they are read for its current members; a
 * read under way is shared, so a send can wait for the list the menu asked for.
 */
export function loadCommands(conv: ConversationView): Promise<void> {
  const members = membersKey(conv);
  if (commandLists.get()[conv.id]?.members === members) return Promise.resolve();
  const pending = loading.get(conv.id);
  if (pending) return pending;
  const read = api.integrations.availableCommands(conv.id).then(
    (commands) => {
      commandLists.update((all) => ({ ...all, [conv.id]: { members, commands } }));
    },
    () => {
      // Without the list, text starting with "/" is simply sent as a message; the next
      // "/" typed tries again.
    },
  );
  const done = read.finally(() => loading.delete(conv.id));
  loading.set(conv.id, done);
  return done;
}

function addNotice(conversationId: string, notice: Omit<CommandNotice, "id">): void {
  const id = nextId++;
  commandNotices.update((all) => ({
    ...all,
    [conversationId]: [...(all[conversationId] ?? []).slice(1 - KEEP_NOTICES), { id, ...notice }],
  }));
}

export function dismissCommandNotice(conversationId: string, id: number): void {
  commandNotices.update((all) => ({
    ...all,
    [conversationId]: (all[conversationId] ?? []).filter((n) => n.id !== id),
  }));
}

/**
 * Runs `/name text` in the conversation. An answer for the caller alone, or the server's
 * notice that the bot did not answer, is kept to be shown; an answer the bot posted
 * arrives as a message like any other. False when the call itself failed (said in a toast).
 */
export async function runCommand(conversationId: string, name: string, text: string) {
  try {
    const result = await api.integrations.runCommand(conversationId, { name, text });
    if (result.outcome === "no_answer" || result.visibility === "ephemeral") {
      addNotice(conversationId, {
        command: name,
        bot: result.bot,
        text: result.text,
        warning: result.outcome === "no_answer",
      });
    }
    return true;
  } catch (err) {
    failed(err);
    return false;
  }
}
