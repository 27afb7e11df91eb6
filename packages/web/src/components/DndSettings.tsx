/**
 * Settings → Do not disturb: daily hours during which nothing is pushed to any of the
 * user's devices. The form shows what the server holds (loaded when Settings opens, and
 * replaced when another device changes it) and saves on submit.
 */
import { type DoNotDisturb, isClockTime, isTimeZone } from "@private-chat/sdk";
import { useEffect, useState } from "preact/hooks";
import { chat } from "../state/chat.js";
import { loadDnd, saveDnd } from "../state/dnd.js";
import { useStore } from "../state/store.js";

interface Draft {
  on: boolean;
  start: string;
  end: string;
  zone: string;
}

/** The browser's time zone: what new hours are set in unless the user picks another. */
function browserZone(): string {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return zone && isTimeZone(zone) ? zone : "UTC";
}

function draftOf(dnd: DoNotDisturb | null | undefined): Draft {
  return dnd
    ? { on: true, start: dnd.start, end: dnd.end, zone: dnd.time_zone }
    : { on: false, start: "22:00", end: "07:00", zone: browserZone() };
}

/** The zones to suggest in the time zone field (none where the browser cannot list them). */
function zoneNames(): string[] {
  return typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
}

function describeDnd(dnd: DoNotDisturb | null): string {
  if (!dnd) return "Do not disturb is off.";
  if (dnd.start === dnd.end) return `Notifications are paused all day (${dnd.time_zone}).`;
  return `Notifications are paused from ${dnd.start} to ${dnd.end} every day (${dnd.time_zone}).`;
}

/** What is wrong with the draft, in words, or null when it can be saved. */
function problem(draft: Draft): string | null {
  if (!draft.on) return null;
  if (!isClockTime(draft.start) || !isClockTime(draft.end))
    return "Enter both times, From and To, as hours and minutes.";
  if (!isTimeZone(draft.zone.trim()))
    return `"${draft.zone}" is not a time zone name. Use one such as Europe/Berlin or UTC.`;
  return null;
}

export function DndSettings() {
  const dnd = useStore(chat, (s) => s.dnd);
  const [draft, setDraft] = useState<Draft>(() => draftOf(dnd));
  const [error, setError] = useState<string | null>(null);
  /** The hours last saved from this form (as JSON), so the summary can say "Saved". */
  const [saved, setSaved] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [zones] = useState(zoneNames);

  useEffect(() => {
    void loadDnd().then(setError);
  }, []);
  // What the server holds wins over the form (and what was wrong with it): after loading,
  // after a save, and when another device changes the hours (the dnd.updated event).
  useEffect(() => {
    setDraft(draftOf(dnd));
    setError(null);
  }, [dnd]);

  const change = (patch: Partial<Draft>) => {
    setDraft((d) => ({ ...d, ...patch }));
    setSaved(null);
  };

  async function save(event: Event) {
    event.preventDefault();
    const wrong = problem(draft);
    setError(wrong);
    setSaved(null);
    if (wrong) return;
    setBusy(true);
    const result = await saveDnd(
      draft.on ? { start: draft.start, end: draft.end, time_zone: draft.zone.trim() } : null,
    );
    setBusy(false);
    if (result.ok) setSaved(JSON.stringify(result.dnd));
    else setError(result.error);
  }

  const zoneInvalid = draft.on && !isTimeZone(draft.zone.trim());
  // What the server holds now; a change from another device replaces "Saved".
  const summary =
    dnd === undefined ? "" : `${saved === JSON.stringify(dnd) ? "Saved. " : ""}${describeDnd(dnd)}`;
  return (
    <section class="card" aria-labelledby="dnd-title">
      <h3 id="dnd-title">Do not disturb</h3>
      <p class="muted" id="dnd-about">
        During these hours no notification is pushed to any of your devices. Messages that arrive
        then wait for you in the app.
      </p>
      <form class="stack dnd-form" onSubmit={save} aria-describedby="dnd-about" noValidate>
        <label class="check">
          <input
            type="checkbox"
            checked={draft.on}
            onChange={(e) => change({ on: (e.currentTarget as HTMLInputElement).checked })}
          />
          Pause notifications every day
        </label>
        <div class="dnd-times">
          <TimeField
            label="From"
            value={draft.start}
            disabled={!draft.on}
            onChange={(start) => change({ start })}
          />
          <TimeField
            label="To"
            value={draft.end}
            disabled={!draft.on}
            onChange={(end) => change({ end })}
          />
        </div>
        <label>
          Time zone
          <input
            type="text"
            list="dnd-zones"
            value={draft.zone}
            disabled={!draft.on}
            autoComplete="off"
            spellcheck={false}
            aria-invalid={zoneInvalid}
            aria-describedby="dnd-zone-hint"
            onInput={(e) => change({ zone: (e.currentTarget as HTMLInputElement).value })}
          />
        </label>
        <p class="hint" id="dnd-zone-hint">
          The times are in this zone, such as Europe/Berlin. This browser is in {browserZone()}.
        </p>
        <datalist id="dnd-zones">
          {zones.map((z) => (
            <option key={z} value={z} />
          ))}
        </datalist>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <div class="row-actions">
          <button type="submit" class="primary" disabled={busy || (dnd === undefined && !error)}>
            Save
          </button>
        </div>
        <p class="muted" role="status">
          {dnd === undefined && !error ? "Loading…" : summary}
        </p>
      </form>
    </section>
  );
}

function TimeField(props: {
  label: string;
  value: string;
  disabled: boolean;
  onChange: (value: string) => void;
}) {
  return (
    <label>
      {props.label}
      <input
        type="time"
        value={props.value}
        disabled={props.disabled}
        required
        onInput={(e) => props.onChange((e.currentTarget as HTMLInputElement).value)}
      />
    </label>
  );
}
