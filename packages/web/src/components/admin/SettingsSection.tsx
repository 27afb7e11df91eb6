/**
 * The admin console's run-time settings: registration, message retention and the upload
 * limit. Each shows the configuration file's value beside it; "Use default" sends a null
 * on Save, which makes the setting follow the file again.
 */
import type { RuntimeSettings, SettingsBody } from "@private-chat/protocol/admin";
import { MAX_RETENTION_DAYS } from "@private-chat/protocol/chat";
import type { SettingsState } from "@private-chat/sdk";
import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import { api, errorText } from "../../api.js";
import { SectionState, useSectionData } from "./SectionData.js";
import {
  fieldValue,
  REGISTRATION,
  type SettingName,
  settingText,
  settingValue,
} from "./SettingsFields.js";

const NAMES: SettingName[] = [
  "registration",
  "retention_messages_days",
  "retention_max_days",
  "max_file_bytes",
];

const LABELS: Record<SettingName, string> = {
  registration: "Registration",
  retention_messages_days: "Keep messages for (days, 0 keeps them forever)",
  retention_max_days: "Longest a group may keep messages (days, 0 for no limit)",
  max_file_bytes: "Largest upload (MB)",
};

/** The short name in "Use default …", for each button's accessible name. */
const SHORT: Record<SettingName, string> = {
  registration: "registration",
  retention_messages_days: "message retention",
  retention_max_days: "longest retention",
  max_file_bytes: "upload limit",
};

type Draft = Record<SettingName, string>;

function draftOf(settings: RuntimeSettings): Draft {
  return Object.fromEntries(NAMES.map((name) => [name, fieldValue(name, settings)])) as Draft;
}

export function SettingsSection() {
  const state = useSectionData(() => api.admin.settings());
  return (
    <>
      <SectionState {...state} />
      {state.data && <SettingsForm state={state.data} onSaved={state.set} />}
    </>
  );
}

function SettingsForm({
  state,
  onSaved,
}: {
  state: SettingsState;
  onSaved: (next: SettingsState) => void;
}) {
  const [draft, setDraft] = useState<Draft>(() => draftOf(state.settings));
  const [reset, setReset] = useState<SettingName[]>([]);
  const [status, setStatus] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    setDraft(draftOf(state.settings));
    setReset([]);
  }, [state]);

  const edit = (name: SettingName, text: string) => {
    setDraft((d) => ({ ...d, [name]: text }));
    setReset((r) => r.filter((n) => n !== name));
    setStatus("");
  };
  const toDefault = (name: SettingName) => {
    setDraft((d) => ({ ...d, [name]: fieldValue(name, state.defaults) }));
    setReset((r) => (r.includes(name) ? r : [...r, name]));
    setStatus("");
  };

  /** The settings changed in the form, or the name of the first invalid one. */
  function changes(): SettingsBody | SettingName {
    const body: Record<string, unknown> = {};
    for (const name of NAMES) {
      if (reset.includes(name)) {
        body[name] = null;
        continue;
      }
      // Compared as shown: an upload limit of no whole number of megabytes, left as it is,
      // must not come back rounded.
      if (draft[name] === fieldValue(name, state.settings)) continue;
      const value = settingValue(name, draft[name]);
      if (value === undefined) return name;
      body[name] = value;
    }
    return body as SettingsBody;
  }

  async function save(event: Event) {
    event.preventDefault();
    const body = changes();
    if (typeof body === "string") return setError(`${LABELS[body]}: that is not a valid value.`);
    setError(null);
    if (Object.keys(body).length === 0) return setStatus("Nothing to save.");
    setBusy(true);
    try {
      onSaved(await api.admin.updateSettings(body));
      setStatus("Settings saved.");
    } catch (err) {
      setStatus("");
      setError(errorText(err));
    }
    setBusy(false);
  }

  const field = (name: SettingName, control: ComponentChildren) => (
    <SettingField
      key={name}
      name={name}
      state={state}
      resetting={reset.includes(name)}
      onUseDefault={() => toDefault(name)}
    >
      {control}
    </SettingField>
  );
  const number = (name: Exclude<SettingName, "registration">, step = 1) => (
    <input
      id={`setting-${name}`}
      aria-describedby={`setting-${name}-default`}
      type="number"
      inputMode={step === 1 ? "numeric" : "decimal"}
      min={name === "max_file_bytes" ? step : 0}
      max={name === "max_file_bytes" ? undefined : MAX_RETENTION_DAYS}
      step={step}
      required
      value={draft[name]}
      onInput={(e) => edit(name, e.currentTarget.value)}
    />
  );

  return (
    <form class="card stack" aria-labelledby="server-settings-title" onSubmit={save}>
      <h3 id="server-settings-title">Server settings</h3>
      {field(
        "registration",
        <div class="admin-radios">
          {(Object.keys(REGISTRATION) as RuntimeSettings["registration"][]).map((mode) => (
            <label key={mode} class="admin-radio">
              <input
                type="radio"
                name="registration"
                value={mode}
                checked={draft.registration === mode}
                onChange={() => edit("registration", mode)}
              />
              {REGISTRATION[mode]}
            </label>
          ))}
        </div>,
      )}
      {field("retention_messages_days", number("retention_messages_days"))}
      {field("retention_max_days", number("retention_max_days"))}
      {field("max_file_bytes", number("max_file_bytes", 0.01))}
      <div class="admin-inline">
        <button type="submit" class="primary" disabled={busy}>
          Save
        </button>
        <span role="status">{status}</span>
      </div>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

/**
 * One setting: its control, the file's default beside it, and "Use default". The
 * registration's radios need a fieldset and legend; a single input its label.
 */
function SettingField({
  name,
  state,
  resetting,
  onUseDefault,
  children,
}: {
  name: SettingName;
  state: SettingsState;
  resetting: boolean;
  onUseDefault: () => void;
  children: ComponentChildren;
}) {
  const hint = `setting-${name}-default`;
  const footer = (
    <div class="admin-inline">
      <span id={hint} class="muted admin-grow admin-hint">
        Default: {settingText(name, state.defaults)}
        {resetting && " (used again once saved)"}
      </span>
      <button
        type="button"
        class="small"
        aria-label={`Use default ${SHORT[name]}`}
        disabled={resetting}
        onClick={onUseDefault}
      >
        Use default
      </button>
    </div>
  );
  if (name === "registration")
    return (
      <fieldset class="admin-setting" aria-describedby={hint}>
        <legend>{LABELS[name]}</legend>
        {children}
        {footer}
      </fieldset>
    );
  return (
    <div class="admin-setting">
      <label for={`setting-${name}`}>{LABELS[name]}</label>
      {children}
      {footer}
    </div>
  );
}
