/**
 * The list of slash commands offered while a command's name is typed in the composer.
 * Focus stays in the message box (which points at the highlighted option with
 * aria-activedescendant), so typing goes on filtering; a click picks an option too.
 */
import { showName } from "@private-chat/protocol/names";
import type { AvailableCommand } from "@private-chat/sdk";
import { useEffect } from "preact/hooks";
import { BotBadge } from "./BotBadge.js";

interface Props {
  id: string;
  commands: AvailableCommand[];
  active: number;
  onPick: (command: AvailableCommand) => void;
  onHover: (index: number) => void;
}

export const optionId = (menuId: string, index: number) => `${menuId}-${index}`;

export function CommandMenu({ id, commands, active, onPick, onHover }: Props) {
  // The highlighted option stays in view when the arrows move past the list's edge.
  useEffect(() => {
    document.getElementById(optionId(id, active))?.scrollIntoView({ block: "nearest" });
  }, [id, active]);

  return (
    <div id={id} class="command-menu" role="listbox" aria-label="Commands">
      {commands.map((command, i) => (
        // biome-ignore lint/a11y/useFocusableInteractive: focus stays in the message box, which points here with aria-activedescendant.
        // biome-ignore lint/a11y/useKeyWithClickEvents: the message box handles the keys (arrows, Enter, Tab, Escape).
        <div
          key={command.name}
          id={optionId(id, i)}
          role="option"
          aria-selected={i === active}
          class={i === active ? "command-option active" : "command-option"}
          // Keeps focus (and the caret) in the message box.
          onMouseDown={(e) => e.preventDefault()}
          onMouseMove={() => i !== active && onHover(i)}
          onClick={() => onPick(command)}
        >
          <span class="command-head">
            <span class="command-name">/{command.name}</span>
            {command.usage && <span class="command-usage"> {command.usage}</span>}
          </span>
          {command.description && (
            <span class="command-description">
              <span class="sr-only">, </span>
              {command.description}
            </span>
          )}
          <span class="command-bot">
            <span class="sr-only">, from </span>
            {showName(command.bot.display_name, command.bot.username)}
            <BotBadge />
          </span>
        </div>
      ))}
    </div>
  );
}
