/**
 * Above the composer: a command being run, and the answers only this user sees (a bot's
 * ephemeral answer, or the notice that it did not answer), each dismissed by hand since
 * the server keeps no copy to show again.
 */
import { showName } from "@private-chat/protocol/names";
import { chat } from "../state/chat.js";
import { commandNotices, dismissCommandNotice } from "../state/commands.js";
import { useStore } from "../state/store.js";
import { MessageText } from "../text.js";
import { BotBadge } from "./BotBadge.js";
import { Icon } from "./icons.js";

const NONE: never[] = [];

export function CommandNotices({
  conversationId,
  running,
}: {
  conversationId: string;
  /** The command being run, while it is. */
  running: string | null;
}) {
  const notices = useStore(commandNotices, (all) => all[conversationId] ?? NONE);
  const me = useStore(chat, (s) => s.me?.username);
  return (
    // Always present: a live region announces what is added to it, not itself.
    <div class="command-notices" aria-live="polite">
      {notices.map((notice) => {
        const bot = showName(notice.bot.display_name, notice.bot.username);
        return (
          <div key={notice.id} class={notice.warning ? "command-notice warning" : "command-notice"}>
            <div class="command-notice-body">
              <p class="command-notice-head">
                <span>
                  <strong>{bot}</strong>
                  <BotBadge />
                </span>
                <span class="only-you">Only visible to you</span>
              </p>
              <MessageText body={notice.text} myUsername={me} class="text command-notice-text" />
            </div>
            <button
              type="button"
              class="icon-btn"
              aria-label={`Dismiss the answer to /${notice.command}`}
              onClick={() => dismissCommandNotice(conversationId, notice.id)}
            >
              <Icon name="close" />
            </button>
          </div>
        );
      })}
      {running && (
        <p class="command-running">
          <span class="spinner" aria-hidden="true" />
          Running /{running}…
        </p>
      )}
    </div>
  );
}
