/**
 * The "Pinned" section of a conversation's info panel: its pinned messages, the most
 * recently pinned first, each a link that opens the conversation at that message (as a
 * search result does); and, for a group's admins, whether every member may pin.
 */

import { type PinnedMessageView, sealedText } from "@private-chat/sdk";
import { useEffect, useState } from "preact/hooks";
import { previewMessage, usePreview } from "../e2ee/preview.js";
import { fullTime, listTime, memberName } from "../format.js";
import { chatHref } from "../router.js";
import { type Conv, chat } from "../state/chat.js";
import { loadPins, setMembersCanPin } from "../state/pins.js";
import { revealMessage } from "../state/search.js";
import { useStore } from "../state/store.js";

const EXCERPT = 140;

/** `opened`: an encrypted message's plaintext, where this browser's device opened it. */
function excerpt(pin: PinnedMessageView, opened: string | undefined): string {
  if (pin.mls && opened === undefined) return sealedText(pin.mls);
  const text = (opened ?? pin.body).trim().replace(/\s+/g, " ");
  if (text === "") return pin.attachments?.length ? "(files)" : "";
  const chars = [...text];
  return chars.length > EXCERPT ? `${chars.slice(0, EXCERPT).join("")}…` : text;
}

function Pin({ conv, pin, me }: { conv: Conv; pin: PinnedMessageView; me: string | undefined }) {
  const sender = pin.sender_id === me ? "You" : memberName(conv, pin.sender_id);
  const by = pin.pinned_by === me ? "you" : memberName(conv, pin.pinned_by);
  const opened = usePreview(pin);
  useEffect(() => {
    // On a browser that is one of the person's devices; elsewhere it stays sealed.
    if (me && pin.mls) void previewMessage(me, conv, pin);
  }, [me, conv, pin]);
  return (
    <li>
      <a
        class="search-hit"
        href={chatHref(conv.id)}
        onClick={() => revealMessage({ conversationId: conv.id, messageId: pin.id, seq: pin.seq })}
      >
        <span class="hit-top">
          <span class="hit-conv">{sender}</span>
          <time
            class="hit-time"
            dateTime={new Date(pin.created_at).toISOString()}
            title={fullTime(pin.created_at)}
          >
            {listTime(pin.created_at)}
          </time>
        </span>
        <span class="hit-snippet">{excerpt(pin, opened)}</span>
        <span class="hit-sender">Pinned by {by}</span>
      </a>
    </li>
  );
}

export function PinnedList({ conv }: { conv: Conv }) {
  const pins = useStore(chat, (s) => s.pins[conv.id]);
  const me = useStore(chat, (s) => s.me?.id);
  // The choice shows at once while the server confirms it (and reverts if it refuses).
  const [wanted, setWanted] = useState<boolean | null>(null);
  const loaded = pins !== undefined;
  useEffect(() => {
    if (!loaded) void loadPins(conv.id);
  }, [conv.id, loaded]);
  const admin = conv.type === "group" && conv.role !== "member";

  async function allow(allowed: boolean) {
    setWanted(allowed);
    await setMembersCanPin(conv.id, allowed);
    setWanted(null);
  }

  return (
    <section class="pins" aria-labelledby="pins-title">
      <h3 id="pins-title">Pinned</h3>
      {admin && (
        <label class="check">
          <input
            type="checkbox"
            checked={wanted ?? conv.members_can_pin === true}
            disabled={wanted !== null}
            onChange={(e) => void allow((e.currentTarget as HTMLInputElement).checked)}
          />
          Every member can pin messages
        </label>
      )}
      {!pins ? (
        <p class="muted">Loading…</p>
      ) : pins.length === 0 ? (
        <p class="muted">No pinned messages.</p>
      ) : (
        <ul class="search-results" aria-labelledby="pins-title">
          {pins.map((pin) => (
            <Pin key={pin.id} conv={conv} pin={pin} me={me} />
          ))}
        </ul>
      )}
    </section>
  );
}
