/**
 * Settings' devices for end-to-end encrypted conversations (docs/E2EE.md): each of the
 * account's devices with when it was added and last seen and how many key packages it
 * has left for others to add it with, to rename or remove (confirmed). Removing one takes
 * it out of the encrypted conversations, so it cannot read what is sent after.
 */
import { DEVICE_NAME_MAX, type DeviceView } from "@private-chat/sdk";
import { useEffect, useState } from "preact/hooks";
import { api, errorText } from "../api.js";
import { listTime } from "../format.js";
import { toast } from "../state/notices.js";

/** Below this many key packages, the server asks the device to make more. */
const LOW = 10;

type Mode = "idle" | "rename" | "remove";

function DeviceRow({ device, onChanged }: { device: DeviceView; onChanged: () => Promise<void> }) {
  const [mode, setMode] = useState<Mode>("idle");
  const [busy, setBusy] = useState(false);

  async function act(work: () => Promise<unknown>, done: string) {
    setBusy(true);
    try {
      await work();
      toast(done);
      setMode("idle");
      await onChanged();
    } catch (err) {
      toast(errorText(err));
    }
    setBusy(false);
  }

  const rename = (event: Event) => {
    event.preventDefault();
    const name = String(new FormData(event.currentTarget as HTMLFormElement).get("name") ?? "");
    void act(() => api.devices.rename(device.id, name.trim()), `Renamed to ${name.trim()}.`);
  };

  const packages = device.unused_key_packages;
  return (
    <li>
      <span class="strong">{device.name}</span>
      <span class="muted">
        added {listTime(device.created_at)} · seen {listTime(device.last_seen_at)} · {packages} key
        package{packages === 1 ? "" : "s"} left
        {packages < LOW && " (it makes more when it next connects)"}
      </span>
      {mode === "rename" ? (
        <form class="row-actions" onSubmit={rename}>
          <label>
            New name for {device.name}
            <input
              name="name"
              required
              maxLength={DEVICE_NAME_MAX}
              defaultValue={device.name}
              autoComplete="off"
              // biome-ignore lint/a11y/noAutofocus: the field the person just asked for
              autoFocus
            />
          </label>
          <button type="submit" class="small primary" disabled={busy}>
            Save
          </button>
          <button type="button" class="small" onClick={() => setMode("idle")}>
            Cancel
          </button>
        </form>
      ) : mode === "remove" ? (
        <div class="row-actions">
          <span>Remove {device.name}? It will not read what is sent from now on.</span>
          <button
            type="button"
            class="small danger"
            disabled={busy}
            onClick={() => void act(() => api.devices.remove(device.id), `Removed ${device.name}.`)}
          >
            Remove
          </button>
          <button type="button" class="small" onClick={() => setMode("idle")}>
            Cancel
          </button>
        </div>
      ) : (
        <div class="row-actions">
          <button type="button" class="small" onClick={() => setMode("rename")}>
            Rename<span class="sr-only"> {device.name}</span>
          </button>
          <button type="button" class="small danger-outline" onClick={() => setMode("remove")}>
            Remove<span class="sr-only"> {device.name}</span>
          </button>
        </div>
      )}
    </li>
  );
}

export function EncryptionDevices() {
  const [devices, setDevices] = useState<DeviceView[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = () =>
    api.devices.list().then(
      (list) => {
        setDevices(list);
        setError(null);
      },
      (err: unknown) => setError(errorText(err)),
    );
  useEffect(() => void load(), []);

  return (
    <section class="card stack" aria-labelledby="devices-title">
      <h3 id="devices-title">Devices for encrypted chats</h3>
      <p class="muted">
        Each device keeps its own keys for end-to-end encrypted conversations; the server never has
        them. Removing a device takes it out of those conversations.
      </p>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {!devices && !error && <p class="muted">Loading…</p>}
      {devices && devices.length === 0 && (
        <p class="muted">
          No devices yet. The terminal client adds one with <code>chat-client devices add</code>, or
          the first time it opens an encrypted conversation.
        </p>
      )}
      {devices && devices.length > 0 && (
        <ul class="sessions" aria-label="Your devices">
          {devices.map((d) => (
            <DeviceRow key={d.id} device={d} onChanged={load} />
          ))}
        </ul>
      )}
    </section>
  );
}
