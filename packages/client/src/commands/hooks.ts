/**
 * hook create|list|delete: a group's incoming webhooks. A new hook's URL (which holds its
 * secret) goes to standard output alone, so `$(chat-client hook create …)` captures it.
 */
import type { Values } from "../args.js";
import { namedConversation } from "../conversation-arg.js";
import { requireCredentials } from "../current-user.js";
import { EXIT_OK, usageError } from "../errors.js";
import { formatTime } from "../format.js";
import type { Io } from "../io.js";
import { safeInline, safeJson } from "../sanitize.js";
import { apiFor } from "../session.js";

export async function hook(values: Values, positionals: string[], io: Io): Promise<number> {
  const [action, first, ...rest] = positionals;
  switch (action) {
    case "create": {
      const name = rest.join(" ").trim();
      if (!first || !name) throw usageError("hook create: say <conversation> <name>");
      const { api, conversation } = await namedConversation(first);
      const made = await api.webhooks.create(conversation.id, name);
      if (values.json) io.out(safeJson(made, 2));
      else {
        io.out(made.url);
        io.err(
          io.errStyle.dim(`hook ${made.id} "${safeInline(made.name)}": the URL is shown once`),
        );
      }
      return EXIT_OK;
    }
    case "list": {
      if (!first) throw usageError("hook list: missing <conversation>");
      const { api, conversation } = await namedConversation(first);
      const hooks = await api.webhooks.list(conversation.id);
      if (values.json) io.out(safeJson(hooks, 2));
      else if (hooks.length === 0) io.err(io.errStyle.dim("it has no webhooks"));
      else
        for (const h of hooks) {
          const used =
            h.last_used_at === null ? "never used" : `used ${formatTime(h.last_used_at)}`;
          const state = h.active ? used : "stopped: its maker left or is disabled";
          io.out(`${h.id}  ${safeInline(h.name).padEnd(24)}  ${io.outStyle.dim(state)}`);
        }
      return EXIT_OK;
    }
    case "delete": {
      if (!first || rest.length > 0) throw usageError("hook delete: say <hook id>");
      const api = apiFor(await requireCredentials());
      await api.webhooks.delete(first);
      if (values.json) io.out(safeJson({ deleted: first }));
      else io.out(`deleted hook ${safeInline(first)}`);
      return EXIT_OK;
    }
    default:
      throw usageError("hook: say create, list or delete");
  }
}
