/**
 * Start a direct chat with someone, or create a group with a title and members; end-to-end
 * encrypted when this browser is one of the person's devices and they ask for it.
 */

import type { UserView } from "@private-chat/sdk";
import { MAX_ENCRYPTED_MEMBERS } from "@private-chat/sdk";
import { useEffect, useState } from "preact/hooks";
import { deviceHere, deviceOf, lookForDevice } from "../e2ee/opened.js";
import { chatHref, navigate } from "../router.js";
import { createGroup, startDirect } from "../state/actions.js";
import { chat } from "../state/chat.js";
import { useStore } from "../state/store.js";
import { Avatar } from "./Avatar.js";
import { Icon } from "./icons.js";
import { PageHead } from "./PageHead.js";
import { UserSearch } from "./UserSearch.js";

export function NewChat() {
  const [kind, setKind] = useState<"direct" | "group">("direct");
  const [busy, setBusy] = useState(false);
  const me = useStore(chat, (s) => s.me?.id ?? "");
  const [title, setTitle] = useState("");
  const [picked, setPicked] = useState<UserView[]>([]);
  const [encrypted, setEncrypted] = useState(false);
  const device = deviceOf(
    useStore(deviceHere, (d) => d),
    me,
  );
  useEffect(() => {
    if (me && device === undefined) void lookForDevice(me);
  }, [me, device]);
  const sealed = encrypted && Boolean(device);

  async function openDirect(user: UserView) {
    setBusy(true);
    const id = await startDirect(user.id, sealed);
    setBusy(false);
    if (id) navigate(chatHref(id), true);
  }

  async function submitGroup(event: Event) {
    event.preventDefault();
    if (!title.trim()) return;
    setBusy(true);
    const id = await createGroup(
      title.trim(),
      picked.map((u) => u.id),
      sealed,
    );
    setBusy(false);
    if (id) navigate(chatHref(id), true);
  }

  return (
    <section class="page" aria-labelledby="new-title">
      <PageHead id="new-title" title="New conversation" />
      <div class="page-body">
        <fieldset class="segmented">
          <legend class="sr-only">Conversation type</legend>
          <button type="button" aria-pressed={kind === "direct"} onClick={() => setKind("direct")}>
            Direct message
          </button>
          <button type="button" aria-pressed={kind === "group"} onClick={() => setKind("group")}>
            Group
          </button>
        </fieldset>
        {device ? (
          <label class="check">
            <input
              type="checkbox"
              checked={encrypted}
              onChange={(e) => setEncrypted(e.currentTarget.checked)}
              aria-describedby="encrypted-hint"
            />
            End-to-end encrypted
          </label>
        ) : null}
        <p id="encrypted-hint" class="muted">
          {device
            ? `Only the members' devices can read an encrypted conversation (at most ${MAX_ENCRYPTED_MEMBERS} members, no bots); the server cannot search it. It is chosen now and never changes.`
            : "For an end-to-end encrypted conversation, make this browser one of your devices in Settings first."}
        </p>
        {kind === "direct" ? (
          <UserSearch
            label="Search people"
            exclude={[me]}
            actionLabel="Chat with"
            busy={busy}
            onPick={openDirect}
          />
        ) : (
          <div class="stack">
            <form id="group-form" class="stack" onSubmit={submitGroup}>
              <label>
                Group name
                <input
                  value={title}
                  maxLength={100}
                  required
                  onInput={(e) => setTitle(e.currentTarget.value)}
                />
              </label>
            </form>
            {picked.length > 0 && (
              <ul class="chips" aria-label="Selected people">
                {picked.map((u) => (
                  <li key={u.id} class="chip">
                    <Avatar id={u.id} name={u.display_name} size="sm" />
                    {u.display_name}
                    <button
                      type="button"
                      class="icon-btn tiny"
                      aria-label={`Remove ${u.display_name}`}
                      onClick={() => setPicked(picked.filter((p) => p.id !== u.id))}
                    >
                      <Icon name="close" />
                    </button>
                  </li>
                ))}
              </ul>
            )}
            <button
              type="submit"
              form="group-form"
              class="primary"
              disabled={busy || !title.trim()}
            >
              Create group{picked.length > 0 ? ` with ${picked.length + 1} people` : ""}
            </button>
            <UserSearch
              label="Add people"
              exclude={[me, ...picked.map((u) => u.id)]}
              actionLabel="Add"
              onPick={(u) => setPicked([...picked, u])}
            />
          </div>
        )}
      </div>
    </section>
  );
}
