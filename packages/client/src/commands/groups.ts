/**
 * group create "Title" @a @b [--encrypted]: a new group with those people (encrypted: its
 * group set up by this device); members <conversation>
 * lists a conversation's members, members add/remove change a group's.
 */
import type { ConversationView } from "@private-chat/sdk";
import type { Values } from "../args.js";
import { namedConversation } from "../conversation-arg.js";
import { requireCredentials } from "../current-user.js";
import { EXIT_OK, usageError } from "../errors.js";
import type { Io } from "../io.js";
import { findUser } from "../people.js";
import { conversationName, shortId } from "../resolve.js";
import { safeInline, safeJson } from "../sanitize.js";
import { apiFor } from "../session.js";

function describeGroup(conversation: ConversationView, meId: string): string {
  const name = safeInline(conversationName(conversation, meId));
  const count = conversation.members.length;
  const lock = conversation.encrypted ? ", end-to-end encrypted" : "";
  return `${shortId(conversation.id)}  ${name}  (${count} member${count === 1 ? "" : "s"}${lock})`;
}

export async function group(values: Values, positionals: string[], io: Io): Promise<number> {
  const [action, title = "", ...usernames] = positionals;
  if (action !== "create") throw usageError(`group: unknown action "${safeInline(action ?? "")}"`);
  if (title.trim() === "") throw usageError("group create: the title is empty");
  const credentials = await requireCredentials();
  const api = apiFor(credentials);
  const memberIds: string[] = [];
  for (const username of usernames) memberIds.push((await findUser(api, username)).id);
  const encrypted = values.encrypted === true;
  const { conversation } = await api.startConversation({
    type: "group",
    title,
    member_ids: memberIds,
    ...(encrypted ? { encrypted } : {}),
  });
  // Loaded only for an encrypted conversation: end-to-end encryption is most of the client's code.
  const e2ee = encrypted ? await import("../encrypted-chat.js") : undefined;
  const ready = e2ee
    ? await e2ee.setUpConversation(api, credentials.user_id, conversation, io)
    : true;
  if (values.json) io.out(safeJson(conversation));
  else io.out(`created ${describeGroup(conversation, credentials.user_id)}`);
  if (!ready && e2ee)
    io.err(e2ee.notReady(safeInline(conversationName(conversation, credentials.user_id))));
  return EXIT_OK;
}

function listMembers(conversation: ConversationView, values: Values, io: Io): number {
  if (values.json) {
    io.out(safeJson(conversation.members, 2));
    return EXIT_OK;
  }
  for (const member of conversation.members) {
    const name = `@${safeInline(member.user.username)}`;
    const display = safeInline(member.user.display_name);
    const shown = display && display !== member.user.username ? `${name} (${display})` : name;
    io.out(`${shown.padEnd(32)}  ${member.role}${member.online ? "  online" : ""}`);
  }
  return EXIT_OK;
}

/** members <conversation> | members add <conversation> @x... | members remove <conversation> @x... */
export async function members(values: Values, positionals: string[], io: Io): Promise<number> {
  const [first = "", ...rest] = positionals;
  const action = first === "add" || first === "remove" ? first : undefined;
  if (!action) {
    if (rest.length > 0)
      throw usageError(`members: unexpected argument "${safeInline(rest[0] ?? "")}"`);
    return listMembers((await namedConversation(first)).conversation, values, io);
  }
  const [query, ...usernames] = rest;
  if (query === undefined) throw usageError(`members ${action}: missing <conversation>`);
  if (usernames.length === 0) throw usageError(`members ${action}: missing <username>`);
  const { credentials, api, conversation } = await namedConversation(query);
  const users = [];
  for (const username of usernames) users.push(await findUser(api, username));
  let result: ConversationView;
  if (action === "add") {
    result = await api.addMembers(
      conversation.id,
      users.map((u) => u.id),
    );
  } else {
    for (const user of users) await api.removeMember(conversation.id, user.id);
    result = await api.conversation(conversation.id).catch(() => conversation);
  }
  // Someone who left has no say in the group's keys any more.
  const left = users.some((u) => u.id === credentials.user_id);
  if (conversation.encrypted && !left)
    await (await import("../encrypted-chat.js")).followMembership(
      api,
      credentials.user_id,
      conversation,
      io,
    );
  const names = users.map((u) => `@${safeInline(u.username)}`).join(", ");
  if (values.json) io.out(safeJson(result));
  else
    io.out(
      `${action === "add" ? "added" : "removed"} ${names} ${action === "add" ? "to" : "from"} ${describeGroup(result, credentials.user_id)}`,
    );
  return EXIT_OK;
}
