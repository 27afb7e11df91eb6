/**
 * The answer to a message request, shown in place of the composer: accept (the
 * conversation becomes a normal one), decline (it leaves the list) or block the sender.
 * A declined request can still be accepted later.
 */
import { useState } from "preact/hooks";
import { otherMembers } from "../format.js";
import { navigate } from "../router.js";
import type { Conv } from "../state/chat.js";
import { acceptRequest, declineRequest } from "../state/requests.js";
import { BlockButton } from "./BlockButton.js";

export function RequestBar({ conv, me }: { conv: Conv; me: string | undefined }) {
  const [busy, setBusy] = useState(false);
  const sender = otherMembers(conv, me)[0]?.user;
  const name = sender?.display_name ?? "Someone";
  const declined = conv.request === "declined";

  async function run(action: () => Promise<boolean>, leave: boolean) {
    setBusy(true);
    const done = await action();
    setBusy(false);
    if (done && leave) navigate("#/", true);
  }

  return (
    <section class="request-bar" aria-labelledby="request-bar-title">
      <h3 id="request-bar-title">
        {declined ? `You declined ${name}'s message request` : `${name} wants to message you`}
      </h3>
      <p>
        {declined
          ? "They are not told. Accept it to reply."
          : "They are not in any conversation with you. They will not see that you are online or have read their messages unless you accept."}
      </p>
      <div class="request-actions">
        <button
          type="button"
          class="primary"
          disabled={busy}
          onClick={() => void run(() => acceptRequest(conv.id), false)}
        >
          Accept
        </button>
        {!declined && (
          <button
            type="button"
            disabled={busy}
            onClick={() => void run(() => declineRequest(conv.id), true)}
          >
            Decline
          </button>
        )}
        {sender && (
          <BlockButton
            user={sender}
            onBlocked={() => {
              if (!declined) void run(() => declineRequest(conv.id), true);
            }}
          />
        )}
      </div>
    </section>
  );
}
