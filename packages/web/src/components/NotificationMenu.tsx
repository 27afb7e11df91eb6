/**
 * The conversation header's notifications menu: mute for 1 hour, 8 hours or until
 * unmuted (or unmute), and the level (all messages, mentions only, nothing). Kept on the
 * server, so every device of the user follows it. A disclosure: the bell button opens a
 * panel of ordinary buttons and radio buttons; Escape closes it and focus goes back.
 */
import { MUTED_FOREVER, type NotificationLevel } from "@private-chat/sdk";
import { useEffect, useRef, useState } from "preact/hooks";
import { clockTime, fullTime, sameDay } from "../format.js";
import type { Conv } from "../state/chat.js";
import { convMuted, setNotifications } from "../state/notifications.js";
import { Icon } from "./icons.js";

const HOUR = 3_600_000;
const LEVELS: { level: NotificationLevel; label: string }[] = [
  { level: "all", label: "All messages" },
  { level: "mentions", label: "Mentions only" },
  { level: "none", label: "Nothing" },
];

function mutedText(until: number | null | undefined): string {
  if (until === MUTED_FOREVER) return "Muted until you unmute";
  const at = until ?? 0;
  return `Muted until ${sameDay(at, Date.now()) ? clockTime(at) : fullTime(at)}`;
}

export function NotificationMenu({ conv }: { conv: Conv }) {
  const [open, setOpen] = useState(false);
  const toggle = useRef<HTMLButtonElement>(null);
  const panel = useRef<HTMLDivElement>(null);
  const muted = convMuted(conv);
  const prefs = conv.notifications;
  // The level picked shows at once while the server confirms it (a re-render meanwhile
  // would otherwise put the old one back); a refusal reverts to what the server keeps.
  const [chosen, setChosen] = useState<NotificationLevel | null>(null);
  const level = chosen ?? prefs?.level ?? "all";
  const panelId = `notify-${conv.id}`;

  useEffect(() => {
    if (open) panel.current?.querySelector<HTMLElement>("button")?.focus();
  }, [open]);

  useEffect(() => {
    if (!open) return;
    // A press outside the menu closes it.
    const away = (event: PointerEvent) => {
      const target = event.target as Node;
      if (!panel.current?.contains(target) && !toggle.current?.contains(target)) setOpen(false);
    };
    // Escape closes it, and focus goes back to the bell.
    const onEscape = (event: KeyboardEvent) => {
      if (event.key !== "Escape") return;
      event.stopPropagation();
      setOpen(false);
      toggle.current?.focus();
    };
    document.addEventListener("pointerdown", away);
    document.addEventListener("keydown", onEscape);
    return () => {
      document.removeEventListener("pointerdown", away);
      document.removeEventListener("keydown", onEscape);
    };
  }, [open]);

  const close = () => {
    setOpen(false);
    toggle.current?.focus();
  };
  const mute = (until: number | null) => {
    close();
    void setNotifications(conv.id, { muted_until: until });
  };

  return (
    <div class="notify">
      <button
        ref={toggle}
        type="button"
        class={open ? "icon-btn active" : "icon-btn"}
        aria-label={muted ? "Notifications (muted)" : "Notifications"}
        aria-expanded={open}
        aria-controls={panelId}
        title={muted ? mutedText(prefs?.muted_until) : "Notifications"}
        onClick={() => setOpen(!open)}
      >
        <Icon name={muted ? "bellOff" : "bell"} />
      </button>
      {open && (
        <div ref={panel} id={panelId} class="notify-menu">
          {muted ? (
            <>
              <p class="notify-state">{mutedText(prefs?.muted_until)}</p>
              <button type="button" onClick={() => mute(null)}>
                Unmute
              </button>
            </>
          ) : (
            <>
              <button type="button" onClick={() => mute(Date.now() + HOUR)}>
                Mute for 1 hour
              </button>
              <button type="button" onClick={() => mute(Date.now() + 8 * HOUR)}>
                Mute for 8 hours
              </button>
              <button type="button" onClick={() => mute(MUTED_FOREVER)}>
                Mute until I unmute
              </button>
            </>
          )}
          <fieldset>
            <legend>Notify me of</legend>
            {LEVELS.map((option) => (
              <label key={option.level}>
                <input
                  type="radio"
                  name={`level-${conv.id}`}
                  checked={level === option.level}
                  onChange={async () => {
                    setChosen(option.level);
                    await setNotifications(conv.id, { level: option.level });
                    setChosen(null);
                  }}
                />
                {option.label}
                {prefs?.is_default && level === option.level && (
                  <span class="notify-default"> (default)</span>
                )}
              </label>
            ))}
          </fieldset>
        </div>
      )}
    </div>
  );
}
