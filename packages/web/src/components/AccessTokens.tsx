/**
 * Personal access tokens in Settings: the live ones (name, scopes, last use, expiry) with
 * Revoke, and a form that makes one and shows it this once. Scripts and CI jobs use them
 * instead of a password; see docs/INTEGRATIONS.md.
 */
import { TOKEN_SCOPES, type TokenScope, type TokenView } from "@private-chat/sdk";
import { useEffect, useState } from "preact/hooks";
import { api, errorText } from "../api.js";
import { listTime } from "../format.js";
import { session } from "../state/live.js";
import { toast } from "../state/notices.js";
import { useStore } from "../state/store.js";
import { ShownOnce } from "./ShownOnce.js";

const SCOPE_LABELS: Record<TokenScope, string> = {
  "messages:read": "Read messages and files",
  "messages:write": "Send, edit and react",
  "conversations:read": "List conversations and members",
  "conversations:write": "Start conversations, change members",
  "files:write": "Upload files",
  admin: "Administration",
};

const EXPIRIES = [
  { days: "30", label: "30 days" },
  { days: "90", label: "90 days" },
  { days: "365", label: "1 year" },
  { days: "", label: "Never" },
];

function TokenRow({ token, onRevoke }: { token: TokenView; onRevoke: () => void }) {
  return (
    <li>
      <span class="strong">{token.name}</span>
      <span class="muted">{token.scopes.join(", ")}</span>
      <span class="muted">
        {token.last_used_at === null ? "never used" : `used ${listTime(token.last_used_at)}`} ·{" "}
        {token.expires_at === null ? "no expiry" : `expires ${listTime(token.expires_at)}`}
      </span>
      <button type="button" class="danger-outline" onClick={onRevoke}>
        Revoke<span class="sr-only"> {token.name}</span>
      </button>
    </li>
  );
}

export function AccessTokens() {
  const isAdmin = useStore(session, (s) => s.user?.is_admin === true);
  const [tokens, setTokens] = useState<TokenView[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [made, setMade] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const scopes = TOKEN_SCOPES.filter((s) => s !== "admin" || isAdmin);

  const load = () =>
    api.integrations.tokens().then(
      (list) => {
        setTokens(list);
        setError(null);
      },
      (err: unknown) => setError(errorText(err)),
    );
  useEffect(() => void load(), []);

  async function create(event: Event) {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    const chosen = data.getAll("scope").map(String) as TokenScope[];
    if (chosen.length === 0) return toast("Choose at least one scope.");
    const days = String(data.get("expiry") ?? "");
    setBusy(true);
    try {
      const result = await api.integrations.createToken({
        name: String(data.get("name") ?? "").trim(),
        scopes: chosen,
        ...(days ? { expires_at: Date.now() + Number(days) * 86_400_000 } : {}),
      });
      setMade(result.token);
      form.reset();
      await load();
    } catch (err) {
      toast(errorText(err));
    }
    setBusy(false);
  }

  async function revoke(token: TokenView) {
    try {
      await api.integrations.revokeToken(token.id);
      toast(`Revoked ${token.name}.`);
    } catch (err) {
      toast(errorText(err));
    }
    await load();
  }

  return (
    <section class="card stack" aria-labelledby="tokens-title">
      <h3 id="tokens-title">Access tokens</h3>
      <p class="muted">For scripts and bots: a token acts as you, within the scopes you give it.</p>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {tokens && tokens.length === 0 && <p class="muted">You have no tokens.</p>}
      {tokens && tokens.length > 0 && (
        <ul class="sessions" aria-label="Your access tokens">
          {tokens.map((t) => (
            <TokenRow key={t.id} token={t} onRevoke={() => void revoke(t)} />
          ))}
        </ul>
      )}
      {made && (
        <ShownOnce
          id="token-made-title"
          title="Token created"
          note="Copy it now: it will not be shown again."
          label="New token"
          thing="token"
          value={made}
        />
      )}
      <form class="stack" onSubmit={create}>
        <label>
          Token name
          <input name="name" required maxLength={64} autoComplete="off" />
        </label>
        <fieldset>
          <legend>Scopes</legend>
          {scopes.map((scope) => (
            <label key={scope} class="check">
              <input type="checkbox" name="scope" value={scope} /> {SCOPE_LABELS[scope]}{" "}
              <span class="muted">({scope})</span>
            </label>
          ))}
        </fieldset>
        <label>
          Expires after
          <select name="expiry" defaultValue="90">
            {EXPIRIES.map((e) => (
              <option key={e.label} value={e.days}>
                {e.label}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" class="primary" disabled={busy}>
          Create token
        </button>
      </form>
    </section>
  );
}
