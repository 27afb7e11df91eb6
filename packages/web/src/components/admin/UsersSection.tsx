/**
 * The console's accounts: found by username prefix, each with its flags and actions
 * (UserRow), and a form to create one.
 */
import type { AdminUserView } from "@private-chat/sdk";
import { useEffect, useRef, useState } from "preact/hooks";
import { api, errorText } from "../../api.js";
import { chat } from "../../state/chat.js";
import { useStore } from "../../state/store.js";
import { UserCreate } from "./UserCreate.js";
import { UserRow } from "./UserRow.js";

// Waits for a pause in typing, so a username typed fast asks the server once.
const TYPING_PAUSE_MS = 250;

export function UsersSection() {
  const me = useStore(chat, (s) => s.me?.id);
  const [prefix, setPrefix] = useState("");
  const [users, setUsers] = useState<AdminUserView[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [round, setRound] = useState(0);
  const reload = () => setRound((n) => n + 1);
  // Changes made here, each with the moment it was made: a list asked for before a change
  // reached the server would otherwise bring back what the change undid.
  const changes = useRef(new Map<string, { user: AdminUserView; at: number }>());

  useEffect(() => {
    let current = true;
    const timer = setTimeout(
      () => {
        const asked = performance.now();
        api.admin.users(prefix.trim()).then(
          (list) => {
            if (!current) return;
            setUsers(list.map((u) => newer(changes.current.get(u.id), asked) ?? u));
            setError(null);
          },
          (err: unknown) => current && setError(errorText(err)),
        );
      },
      round === 0 && prefix === "" ? 0 : TYPING_PAUSE_MS,
    );
    // A slower answer to an earlier prefix must not replace the newer one.
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [prefix, round]);

  const replace = (user: AdminUserView) => {
    changes.current.set(user.id, { user, at: performance.now() });
    setUsers((list) => list?.map((u) => (u.id === user.id ? user : u)) ?? null);
  };

  return (
    <>
      <section class="card" aria-labelledby="users-title">
        <h3 id="users-title">Accounts</h3>
        <label>
          Search by username
          <input
            type="search"
            value={prefix}
            maxLength={32}
            autoComplete="off"
            spellcheck={false}
            onInput={(event) => setPrefix(event.currentTarget.value)}
          />
        </label>
        <UsersFound users={users} error={error} />
        {users && users.length > 0 && (
          <ul class="admin-users" aria-label="Accounts">
            {users.map((user) => (
              <UserRow key={user.id} user={user} me={user.id === me} onChange={replace} />
            ))}
          </ul>
        )}
      </section>
      <UserCreate onCreated={reload} />
    </>
  );
}

/** A change made after the list was asked for, which the list may not show yet. */
function newer(change: { user: AdminUserView; at: number } | undefined, asked: number) {
  return change && change.at >= asked ? change.user : undefined;
}

/** How the search went, announced as it changes. */
function UsersFound({ users, error }: { users: AdminUserView[] | null; error: string | null }) {
  if (error)
    return (
      <p class="error" role="alert">
        {error}
      </p>
    );
  const count = users?.length;
  return (
    <p class="muted" role="status">
      {count === undefined
        ? "Loading…"
        : count === 0
          ? "No accounts match."
          : count === 1
            ? "1 account"
            : `${count} accounts`}
    </p>
  );
}
