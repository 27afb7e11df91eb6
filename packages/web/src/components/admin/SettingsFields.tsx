/**
 * The run-time settings as form values: what each field shows, how a typed value becomes
 * the setting, and how a setting reads as text (for "Default: …").
 */
import type { RuntimeSettings } from "@private-chat/protocol/admin";
import { formatSize } from "../../state/uploads.js";

export type SettingName = keyof RuntimeSettings;

const MB = 1024 * 1024;

export const REGISTRATION: Record<RuntimeSettings["registration"], string> = {
  open: "Open: anyone may create an account",
  invite: "By invite: a code is needed",
  closed: "Closed: no new accounts",
};

const days = (n: number, zero: string) => (n === 0 ? zero : `${n} days`);

/** The setting as the form's field holds it (megabytes for the upload limit). */
export function fieldValue(name: SettingName, settings: RuntimeSettings): string {
  const value = settings[name];
  if (name === "max_file_bytes") return String(Math.round((Number(value) / MB) * 100) / 100);
  return String(value);
}

/** The field's text as the setting, or undefined when it is not a valid one. */
export function settingValue(
  name: SettingName,
  text: string,
): RuntimeSettings[SettingName] | undefined {
  if (name === "registration")
    return text in REGISTRATION ? (text as RuntimeSettings["registration"]) : undefined;
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n) || n < 0) return undefined;
  if (name === "max_file_bytes") return n > 0 ? Math.round(n * MB) : undefined;
  return Number.isInteger(n) ? n : undefined;
}

/** The setting in words, for "Default: …". */
export function settingText(name: SettingName, settings: RuntimeSettings): string {
  switch (name) {
    case "registration":
      return settings.registration;
    case "max_file_bytes":
      return formatSize(settings.max_file_bytes);
    case "retention_messages_days":
      return days(settings.retention_messages_days, "kept forever");
    case "retention_max_days":
      return days(settings.retention_max_days, "no limit");
  }
}
