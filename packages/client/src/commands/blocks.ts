/**
 * block, unblock, blocked: a blocked person cannot open a direct chat with the user or
 * add them to groups, and their messages in shared groups are hidden here.
 */
import type { Values } from "../args.js";
import { requireCredentials } from "../current-user.js";
import { EXIT_OK } from "../errors.js";
import { formatTime } from "../format.js";
import type { Io } from "../io.js";
import { findBlocked, findUser } from "../people.js";
import { safeInline, safeJson } from "../sanitize.js";
import { apiFor } from "../session.js";

export async function block(values: Values, positionals: string[], io: Io): Promise<number> {
  const api = apiFor(await requireCredentials());
  const user = await findUser(api, positionals[0] ?? "");
  const result = await api.block(user.id);
  if (values.json) io.out(safeJson(result));
  else io.out(`blocked @${safeInline(user.username)}`);
  return EXIT_OK;
}

export async function unblock(positionals: string[], io: Io): Promise<number> {
  const api = apiFor(await requireCredentials());
  const found = findBlocked(await api.blocks(), positionals[0] ?? "");
  await api.unblock(found.user.id);
  io.out(`unblocked @${safeInline(found.user.username)}`);
  return EXIT_OK;
}

export async function blocked(values: Values, io: Io): Promise<number> {
  const api = apiFor(await requireCredentials());
  const list = await api.blocks();
  if (values.json) {
    io.out(safeJson(list, 2));
    return EXIT_OK;
  }
  if (list.length === 0) {
    io.err(io.errStyle.dim("you have not blocked anyone"));
    return EXIT_OK;
  }
  for (const b of list) {
    const name = `@${safeInline(b.user.username)}`.padEnd(26);
    io.out(
      `${name}  ${safeInline(b.user.display_name)}  ${io.outStyle.dim(`since ${formatTime(b.created_at)}`)}`,
    );
  }
  return EXIT_OK;
}
