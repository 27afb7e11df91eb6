/**
 * Block or unblock one person. Blocking asks to confirm first and says what it does;
 * unblocking happens at once.
 */
import type { UserView } from "@private-chat/sdk";
import { useEffect, useRef, useState } from "preact/hooks";
import { chat } from "../state/chat.js";
import { blockPerson, unblockPerson } from "../state/requests.js";
import { useStore } from "../state/store.js";

interface Props {
  user: Pick<UserView, "id" | "display_name">;
  /** Runs once the person is blocked (a request bar leaves the request, say). */
  onBlocked?: () => void;
}

export function BlockButton({ user, onBlocked }: Props) {
  const blocked = useStore(chat, (s) => user.id in s.blocked);
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const confirm = useRef<HTMLButtonElement>(null);
  // The Block button gives way to the question: keep the keyboard focus on it.
  useEffect(() => {
    if (asking) confirm.current?.focus();
  }, [asking]);

  async function run(action: () => Promise<boolean>) {
    setBusy(true);
    const done = await action();
    setBusy(false);
    setAsking(false);
    return done;
  }

  if (blocked) {
    return (
      <button
        type="button"
        class="small"
        disabled={busy}
        aria-label={`Unblock ${user.display_name}`}
        onClick={() => void run(() => unblockPerson(user))}
      >
        Unblock
      </button>
    );
  }
  if (!asking) {
    return (
      <button
        type="button"
        class="small danger-outline"
        aria-label={`Block ${user.display_name}`}
        onClick={() => setAsking(true)}
      >
        Block
      </button>
    );
  }
  return (
    <div class="confirm">
      <p>
        Block {user.display_name}? They will not be able to message you directly or add you to
        groups, and their messages in groups you share will be hidden for you.
      </p>
      <button
        type="button"
        class="danger"
        ref={confirm}
        disabled={busy}
        onClick={async () => {
          if (await run(() => blockPerson(user))) onBlocked?.();
        }}
      >
        Block {user.display_name}
      </button>
      <button type="button" disabled={busy} onClick={() => setAsking(false)}>
        Cancel
      </button>
    </div>
  );
}
