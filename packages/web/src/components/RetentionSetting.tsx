/**
 * A group's time to keep messages, in its info panel: owners and admins choose it, other
 * members read it. The choice shows at once while the server confirms it.
 */
import { useEffect, useState } from "preact/hooks";
import type { Conv } from "../state/chat.js";
import {
  type RetentionPolicy,
  retentionChoices,
  retentionPolicy,
  type RetentionSetting as Setting,
  setRetention,
  settingText,
} from "../state/retention.js";

const optionValue = (setting: Setting) => (setting === null ? "default" : String(setting));
const settingOf = (value: string): Setting => (value === "default" ? null : Number(value));

export function RetentionSetting({ conv }: { conv: Conv }) {
  const [policy, setPolicy] = useState<RetentionPolicy | null>(null);
  const [wanted, setWanted] = useState<Setting | undefined>(undefined);
  useEffect(() => {
    retentionPolicy().then(setPolicy, () => setPolicy(null));
  }, []);
  if (!policy || conv.type !== "group") return null;
  const current = wanted !== undefined ? wanted : (conv.retention_days ?? null);
  const admin = conv.role !== "member";

  async function choose(setting: Setting) {
    setWanted(setting);
    await setRetention(conv.id, setting);
    setWanted(undefined);
  }

  if (!admin) {
    return <p class="muted retention">Messages are kept: {settingText(current, policy)}</p>;
  }
  return (
    <label class="retention">
      Keep messages
      <select
        value={optionValue(current)}
        disabled={wanted !== undefined}
        onChange={(e) => void choose(settingOf(e.currentTarget.value))}
      >
        {retentionChoices(current, policy).map((setting) => (
          <option key={optionValue(setting)} value={optionValue(setting)}>
            {settingText(setting, policy)}
          </option>
        ))}
      </select>
    </label>
  );
}
