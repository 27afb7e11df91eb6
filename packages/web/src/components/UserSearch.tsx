/**
 * Finds people by username prefix and offers them as buttons.
 */

import type { UserView } from "@private-chat/sdk";
import { useEffect, useRef, useState } from "preact/hooks";
import { api, errorText } from "../api.js";
import { userLabel } from "../format.js";
import { Avatar } from "./Avatar.js";

interface Props {
  label: string;
  exclude: string[];
  onPick: (user: UserView) => void;
  actionLabel?: string;
  busy?: boolean;
}

export function UserSearch({ label, exclude, onPick, actionLabel, busy }: Props) {
  const [query, setQuery] = useState("");
  const [results, setResults] = useState<UserView[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [searching, setSearching] = useState(false);
  const latest = useRef(0);

  useEffect(() => {
    const ticket = ++latest.current;
    const q = query.trim().replace(/^@/, "");
    setSearching(true);
    const timer = setTimeout(
      () => {
        api.searchUsers(q, 20).then(
          (users) => {
            if (ticket !== latest.current) return;
            setResults(users);
            setError(null);
            setSearching(false);
          },
          (err: unknown) => {
            if (ticket !== latest.current) return;
            setError(errorText(err));
            setSearching(false);
          },
        );
      },
      q ? 150 : 0,
    );
    return () => clearTimeout(timer);
  }, [query]);

  const shown = results.filter((u) => !exclude.includes(u.id));
  return (
    <div class="user-search">
      <label class="search-field">
        <span class="sr-only">{label}</span>
        <input
          type="search"
          placeholder={`${label}…`}
          autoComplete="off"
          autoCapitalize="none"
          spellcheck={false}
          maxLength={32}
          value={query}
          onInput={(e) => setQuery(e.currentTarget.value)}
        />
      </label>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <ul class="people" aria-busy={searching}>
        {shown.map((user) => (
          <li key={user.id}>
            <button
              type="button"
              class="person"
              disabled={busy}
              onClick={() => onPick(user)}
              aria-label={`${actionLabel ? `${actionLabel} ` : ""}${userLabel(user)}`}
            >
              {/* The label holds every word shown (speech control users say what they
                  see): a display name that is just the username is shown once, and the
                  handle starts with a space so the two words do not run together. */}
              <Avatar id={user.id} name={user.display_name} size="sm" />
              {user.display_name !== user.username && (
                <span class="person-name">{user.display_name}</span>
              )}
              <span class="person-handle"> @{user.username}</span>
            </button>
          </li>
        ))}
      </ul>
      {!searching && !error && shown.length === 0 && (
        <p class="muted">{query.trim() ? "Nobody found." : "No one else is here yet."}</p>
      )}
    </div>
  );
}
