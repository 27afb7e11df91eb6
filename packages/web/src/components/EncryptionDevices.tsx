/**
 * Settings' devices for end-to-end encrypted conversations (docs/E2EE.md): each of the
 * account's devices with when it was added and last seen and how many key packages it
 * has left for others to add it with, to rename or remove (confirmed). Removing one takes
 * it out of the encrypted conversations, so it cannot read what is sent after. This
 * browser can become one of them: its keys are made here and kept in IndexedDB
 * (e2ee/browser-db.ts), and removing it forgets them here too. Once it is one, it shares
 * the history it holds with another of the person's devices (confirmed;
 * e2ee/history-share.ts), and takes what another shared with it when the list loads or
 * when asked (e2ee/history-inbox.ts); what became of it is said below the list.
 */
import { DEVICE_NAME_MAX, type DeviceView } from "@private-chat/sdk";
import { useEffect, useState } from "preact/hooks";
import { api, errorText } from "../api.js";
import { deviceSupported, forgetDevice } from "../e2ee/browser-db.js";
import { historyNews, receiveHistory } from "../e2ee/history-inbox.js";
import { lookForDevice } from "../e2ee/opened.js";
import { device as agentDevice, listTime, plural } from "../format.js";
import { session } from "../state/live.js";
import { toast } from "../state/notices.js";
import { useStore } from "../state/store.js";

/** Below this many key packages, the server asks the device to make more. */
const LOW = 10;

type Mode = "idle" | "rename" | "remove" | "share";

/** What the section says of a step on history: an outcome, or (failed) an error. */
interface Said {
  text: string;
  failed: boolean;
}

interface RowProps {
  device: DeviceView;
  /** This browser's own device, for this account: removing it forgets its keys here too. */
  here: { userId: string } | undefined;
  /** The account, when this browser is another of its devices: it can share history. */
  sharer: string | undefined;
  onChanged: () => Promise<void>;
  onSaid: (said: Said) => void;
}

function DeviceRow({ device, here, sharer, onChanged, onSaid }: RowProps) {
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

  /** Shares this browser's history with the device (the MLS code loads only now). */
  async function share(userId: string) {
    setBusy(true);
    try {
      const { shareFromThisBrowser } = await import("../e2ee/history-share.js");
      const shared = await shareFromThisBrowser(userId, device.id);
      onSaid({
        text:
          shared.shares === 0
            ? "This browser holds no messages of encrypted chats to share."
            : `Shared ${plural(shared.messages, "message")} of ${plural(shared.conversations, "conversation")} with ${device.name}. There, a browser takes them when the app starts or Settings opens; the terminal client with chat-client devices receive-history.`,
        failed: false,
      });
      setMode("idle");
    } catch (err) {
      onSaid({
        text: `History was not shared with ${device.name}: ${errorText(err)}`,
        failed: true,
      });
    }
    setBusy(false);
  }

  const packages = device.unused_key_packages;
  return (
    <li>
      <span class="strong">
        {device.name}
        {here && <span class="role">this browser</span>}
      </span>
      <span class="muted">
        added {listTime(device.created_at)} · seen {listTime(device.last_seen_at)} · {packages} key
        package{packages === 1 ? "" : "s"} left
        {packages < LOW && !here && " (it makes more when it next connects)"}
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
            onClick={() =>
              void act(async () => {
                await api.devices.remove(device.id);
                if (here) await forgetDevice(here.userId);
              }, `Removed ${device.name}.`)
            }
          >
            Remove
          </button>
          <button type="button" class="small" onClick={() => setMode("idle")}>
            Cancel
          </button>
        </div>
      ) : mode === "share" && sharer ? (
        <div class="row-actions">
          <span>
            Share this browser's history with {device.name}? It gets a copy of every message this
            browser holds of your encrypted chats, sealed so that only it opens them.
          </span>
          <button
            type="button"
            class="small primary"
            disabled={busy}
            onClick={() => void share(sharer)}
          >
            {busy ? "Sharing…" : "Share"}
          </button>
          <button type="button" class="small" disabled={busy} onClick={() => setMode("idle")}>
            Cancel
          </button>
        </div>
      ) : (
        <div class="row-actions">
          {sharer && (
            <button type="button" class="small" onClick={() => setMode("share")}>
              Share history<span class="sr-only"> with {device.name}</span>
            </button>
          )}
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

/** Makes this browser a device of the account, named by the person. */
function AddThisBrowser({ userId, onAdded }: { userId: string; onAdded: () => Promise<void> }) {
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);

  const add = async (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const name = String(form.get("name") ?? "").trim();
    setBusy(true);
    try {
      // The MLS code loads only now: most people never open this.
      const { addThisBrowser } = await import("../e2ee/this-browser.js");
      await addThisBrowser(userId, name);
      toast(`This browser is now your device ${name} for encrypted chats.`);
      setOpen(false);
      await onAdded();
    } catch (err) {
      toast(errorText(err));
    }
    setBusy(false);
  };

  if (!deviceSupported())
    return (
      <p class="muted">
        This browser cannot be a device here: encrypted chats need the app over https (or on
        localhost).
      </p>
    );
  if (!open)
    return (
      <button type="button" onClick={() => setOpen(true)}>
        Use this browser for encrypted chats
      </button>
    );
  return (
    <form class="row-actions" onSubmit={add}>
      <label>
        Name for this browser
        <input
          name="name"
          required
          maxLength={DEVICE_NAME_MAX}
          defaultValue={agentDevice(navigator.userAgent)}
          autoComplete="off"
          // biome-ignore lint/a11y/noAutofocus: the field the person just asked for
          autoFocus
        />
      </label>
      <button type="submit" class="small primary" disabled={busy}>
        {busy ? "Adding…" : "Add this browser"}
      </button>
      <button type="button" class="small" onClick={() => setOpen(false)}>
        Cancel
      </button>
    </form>
  );
}

export function EncryptionDevices() {
  const userId = useStore(session, (s) => s.user?.id);
  const [devices, setDevices] = useState<DeviceView[] | null>(null);
  const [here, setHere] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [said, setSaid] = useState<Said | null>(null);
  const [receiving, setReceiving] = useState(false);
  const news = useStore(historyNews, (n) => n);

  // What the last look for shared history said (at start, or here), for this account.
  useEffect(() => {
    if (news && news.userId === userId) setSaid(news);
  }, [news, userId]);

  async function receive(id: string) {
    setReceiving(true);
    await receiveHistory(id, "asked");
    setReceiving(false);
  }

  const load = async (): Promise<void> => {
    try {
      const list = await api.devices.list();
      // Also tells the conversations on screen to open (or stop opening) messages here.
      const hereId = userId ? await lookForDevice(userId, list) : null;
      setHere(hereId);
      setDevices(list);
      setError(null);
      // History another device shared with this one: taken now, said below the list.
      if (hereId && userId) void receiveHistory(userId, "settings", list);
      const low = list.some((d) => d.id === hereId && d.unused_key_packages < LOW);
      if (low && userId) {
        // This browser's own pool ran low (a warning from the server missed, say): it
        // makes more now (the MLS code loads for it).
        const { topUpThisBrowser } = await import("../e2ee/this-browser.js");
        await topUpThisBrowser(userId);
        // Made up here, or meanwhile by another tab or on the server's warning.
        setDevices(await api.devices.list());
      }
    } catch (err) {
      setError(errorText(err));
    }
  };
  useEffect(() => void load(), [userId]);

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
          No devices yet. Add this browser below; the terminal client adds one with{" "}
          <code>chat-client devices add</code>, or the first time it opens an encrypted
          conversation.
        </p>
      )}
      {devices && devices.length > 0 && (
        <ul class="sessions" aria-label="Your devices">
          {devices.map((d) => (
            <DeviceRow
              key={d.id}
              device={d}
              here={userId && d.id === here ? { userId } : undefined}
              sharer={here !== null && d.id !== here ? userId : undefined}
              onChanged={load}
              onSaid={setSaid}
            />
          ))}
        </ul>
      )}
      {devices && userId && here !== null && (
        <div class="stack">
          <p class="muted">
            Share history copies the messages this browser holds to another of your devices, so that
            it reads what was sent before it joined. History another device shares with this browser
            is taken when the app starts and when Settings opens.
          </p>
          <div class="row-actions">
            <button type="button" disabled={receiving} onClick={() => void receive(userId)}>
              {receiving ? "Receiving…" : "Receive history"}
            </button>
          </div>
        </div>
      )}
      {said?.failed && (
        <p class="error" role="alert">
          {said.text}
        </p>
      )}
      <p class="muted" role="status">
        {said && !said.failed ? said.text : ""}
      </p>
      {devices && userId && here === null && <AddThisBrowser userId={userId} onAdded={load} />}
    </section>
  );
}
